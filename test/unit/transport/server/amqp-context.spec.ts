import { describe, it, expect } from '@jest/globals';
import type { BasicDeliver, BasicProperties } from '../../../../lib/protocol/index.js';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import { AmqpContext, type AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';

function setup(properties: BasicProperties, redelivered = false) {
  const sent: string[] = [];
  const channel = {
    channelNumber: 1,
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    basicAck: (tag: number) => sent.push(`ack ${tag}`),
    basicNack: (tag: number, o: { requeue?: boolean }) => sent.push(`nack ${tag} ${String(o.requeue)}`),
    basicReject: (tag: number, requeue: boolean) => sent.push(`reject ${tag} ${String(requeue)}`),
  } as unknown as AmqpChannel;
  const fields = { consumerTag: 'c', deliveryTag: 8, redelivered, exchange: 'ex', routingKey: 'rk' } as BasicDeliver;
  const message: AmqpMessage = { content: Buffer.from('{}'), fields, properties };
  const context = new AmqpContext(message, channel, 'pattern', new Delivery(new ChannelLease(channel), 8), { traceId: 't' });
  return { context, sent, channel, message };
}

describe('AmqpContext', () => {
  it('exposes the message as RmqContext does (getMessage, getChannelRef, getPattern) and by name', () => {
    const { context, channel, message } = setup({ messageId: 'm', headers: { a: 1 } }, true);
    expect(context.getMessage()).toBe(message);
    // The channel ref is the channel's methods plus amqplib's ack/nack/reject (see below).
    expect(context.getChannelRef().channelNumber).toBe(1);
    expect(context.getChannelRef()).toBe(context.getChannelRef());
    expect(context.getPattern()).toBe('pattern');
    expect(context.getArgs()).toEqual([message, channel, 'pattern']);
    expect(context.properties.messageId).toBe('m');
    expect(context.headers).toEqual({ a: 1 });
    expect(context.fields.routingKey).toBe('rk');
    expect(context.redelivered).toBe(true);
    expect(context.getMetadata()).toEqual({ traceId: 't' });
  });

  it('headers default to an empty table and retryCount to 0; retryCount reads x-retry-count', () => {
    expect(setup({}).context.headers).toEqual({});
    expect(setup({}).context.retryCount).toBe(0);
    expect(setup({ headers: { 'x-retry-count': 2 } }).context.retryCount).toBe(2);
  });

  it('ack / nack / reject settle the delivery once, without requeue unless asked', () => {
    const acked = setup({});
    acked.context.ack();
    expect(acked.context.isSettled).toBe(true);
    expect(acked.sent).toEqual(['ack 8']);

    const nacked = setup({});
    nacked.context.nack();
    const requeued = setup({});
    requeued.context.nack({ requeue: true });
    const rejected = setup({});
    rejected.context.reject();
    expect([...nacked.sent, ...requeued.sent, ...rejected.sent]).toEqual(['nack 8 false', 'nack 8 true', 'reject 8 false']);
  });

  it("getChannelRef() offers amqplib's ack(message), nack(message, allUpTo, requeue) and reject(message, requeue) (Nest's documented manual ack)", () => {
    const acked = setup({});
    acked.context.getChannelRef().ack(acked.context.getMessage());
    expect(acked.context.isSettled).toBe(true);
    expect(acked.sent).toEqual(['ack 8']);
    // The server's own ack after the handler then finds it settled; a second settle is refused.
    expect(() => acked.context.getChannelRef().ack(acked.message)).toThrow(/already settled/);

    const nacked = setup({});
    nacked.context.getChannelRef().nack(nacked.message); // amqplib's default: requeue
    const dropped = setup({});
    dropped.context.getChannelRef().nack(dropped.message, false, false);
    const rejected = setup({});
    rejected.context.getChannelRef().reject(rejected.message); // amqplib's default: requeue
    expect([...nacked.sent, ...dropped.sent, ...rejected.sent]).toEqual(['nack 8 true', 'nack 8 false', 'reject 8 true']);

    const other = setup({});
    const foreign = { ...other.message, fields: { ...other.message.fields, deliveryTag: 99 } };
    expect(() => other.context.getChannelRef().ack(foreign)).toThrow(/its own context/);
    expect(() => other.context.getChannelRef().ack(other.message, true)).toThrow(/allUpTo/);
    expect(other.sent).toEqual([]);
  });
});
