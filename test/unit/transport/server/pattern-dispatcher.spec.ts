import { describe, it, expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import type { MessageHandler, WritePacket } from '@nestjs/microservices';
import { of, type Observable } from 'rxjs';
import type { BasicProperties } from '../../../../lib/protocol/index.js';
import type { AmqpContext, AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import { AmqpRequestDeserializer } from '../../../../lib/transport/compat/index.js';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';
import { invokeHandler } from '../../../../lib/transport/consume/handler-invoker.js';
import { PatternDispatcher } from '../../../../lib/transport/server/pattern-dispatcher.js';

/** A channel recording settles and publishes; a handler table; a logger that keeps what it was told. */
function setup(handlers: Record<string, MessageHandler>, options: { patternHeader?: string; plain?: boolean } = {}) {
  const sent: string[] = [];
  const published: Array<{ routingKey: string; body: unknown; properties: BasicProperties }> = [];
  const logged: string[] = [];
  const channel = {
    channelNumber: 1,
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    basicAck: (tag: number) => sent.push(`ack ${tag}`),
    basicNack: (tag: number, o: { requeue?: boolean }) => sent.push(`nack ${tag} requeue=${String(o.requeue)}`),
    basicPublish: async (_exchange: string, routingKey: string, body: Buffer, properties: BasicProperties) => {
      published.push({ routingKey, body: JSON.parse(body.toString()) as unknown, properties });
    },
  } as unknown as AmqpChannel;
  const logger: LoggerService = {
    log: () => undefined,
    warn: (message: string) => logged.push(`warn ${message}`),
    error: (message: string) => logged.push(`error ${message}`),
  };
  const deserializer = new AmqpRequestDeserializer();
  const dispatcher = new PatternDispatcher(
    {
      getHandlerByPattern: (pattern) => handlers[pattern] ?? null,
      deserialize: async (value, o) => deserializer.deserialize(value, o) as never,
      serializeReply: async (packet: WritePacket) => ({ packet, properties: {} }),
      // Nest's handleRequest, reduced: one response, then the disposed packet.
      handleRequest: (context: AmqpContext, produce: () => Promise<Observable<unknown>>, respond) => {
        void produce().then((stream) =>
          stream.subscribe({
            next: (response) => void respond({ response }),
            error: (err: unknown) => void respond({ err, isDisposed: true }),
            complete: () => void respond({ isDisposed: true }),
          }),
        );
      },
      transformToObservable: (value) => of(value),
      plainPlumbing: () => options.plain === true,
      run: invokeHandler,
      logger,
    },
    options,
  );
  const lease = new ChannelLease(channel);
  const deliver = async (body: unknown, properties: BasicProperties = {}, routingKey = 'rk', autoAcked = false) => {
    const message: AmqpMessage = {
      content: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
      fields: { consumerTag: 'c', deliveryTag: 1, redelivered: false, exchange: 'ex', routingKey },
      properties,
    };
    const delivery = new Delivery(lease, 1, autoAcked);
    await dispatcher.dispatch(message, delivery, channel, 'default-q');
    return delivery;
  };
  return { deliver, sent, published, logged };
}

const handler = (fn: (data: unknown, ctx: AmqpContext) => unknown, isEventHandler = true): MessageHandler =>
  Object.assign(async (data: unknown, ctx: AmqpContext) => fn(data, ctx), { isEventHandler });

describe('PatternDispatcher', () => {
  it('acks a handled event once, and logs nothing', async () => {
    const seen: unknown[] = [];
    const { deliver, sent, logged } = setup({ created: handler((data) => seen.push(data)) });
    await deliver({ pattern: 'created', data: { id: 1 } });
    expect(seen).toEqual([{ id: 1 }]);
    expect(sent).toEqual(['ack 1']);
    expect(logged).toEqual([]);
  });

  it('in noAck mode a handled event is not settled again and nothing is logged', async () => {
    const { deliver, sent, logged } = setup({ created: handler(() => undefined) });
    const delivery = await deliver({ pattern: 'created', data: 1 }, {}, 'rk', true);
    expect(delivery.state).toBe('auto');
    expect(sent).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('an event whose handler acked through its context is not acked twice', async () => {
    const { deliver, sent, logged } = setup({ created: handler((_data, ctx) => ctx.ack()) });
    await deliver({ pattern: 'created', data: 1 });
    expect(sent).toEqual(['ack 1']);
    expect(logged).toEqual([]);
  });

  it('a failed event is nacked without requeue and logged with the message identity', async () => {
    const { deliver, sent, logged } = setup({
      created: handler(() => {
        throw new Error('boom');
      }),
    });
    await deliver({ pattern: 'created', data: 1 }, { messageId: 'm-9' });
    expect(sent).toEqual(['nack 1 requeue=false']);
    expect(logged).toEqual([
      'error queue "default-q", delivery 1, messageId "m-9", exchange "ex", routingKey "rk" nacked without requeue: event handler of "created" failed: boom',
    ]);
  });

  it('answers a request to replyTo with its correlationId, then acks it', async () => {
    const { deliver, sent, published } = setup({ sum: handler((data) => (data as number[]).reduce((a, b) => a + b, 0), false) });
    await deliver({ pattern: 'sum', data: [1, 2], id: 'r1' }, { replyTo: 'reply-q', correlationId: 'c1' });
    expect(published).toEqual([
      { routingKey: 'reply-q', body: { response: 3 }, properties: { contentType: 'application/json', correlationId: 'c1' } },
      { routingKey: 'reply-q', body: { isDisposed: true }, properties: { contentType: 'application/json', correlationId: 'c1' } },
    ]);
    expect(sent).toEqual(['ack 1']);
  });

  describe('with Nest\'s plumbing unchanged (answered without it)', () => {
    const request = { replyTo: 'reply-q', correlationId: 'c1' };
    const reply = (body: unknown) => ({ routingKey: 'reply-q', body, properties: { contentType: 'application/json', correlationId: 'c1' } });

    it('a value is one disposed reply, then the ack', async () => {
      const { deliver, sent, published, logged } = setup({ sum: handler((data) => (data as number[]).reduce((a, b) => a + b, 0), false) }, { plain: true });
      await deliver({ pattern: 'sum', data: [1, 2], id: 'r1' }, request);
      expect(published).toEqual([reply({ response: 3, isDisposed: true })]);
      expect(sent).toEqual(['ack 1']);
      expect(logged).toEqual([]);
    });

    it('a handler that throws, synchronously or not, is one disposed error reply, then the ack', async () => {
      const failing = (message: string): MessageHandler =>
        Object.assign(
          () => {
            throw message;
          },
          { isEventHandler: false },
        );
      const { deliver, sent, published } = setup({ sync: failing('sync'), async: handler(() => Promise.reject('async'), false) }, { plain: true });
      await deliver({ pattern: 'sync', data: 1, id: 'r1' }, request);
      await deliver({ pattern: 'async', data: 1, id: 'r2' }, request);
      expect(published).toEqual([reply({ err: 'sync', isDisposed: true }), reply({ err: 'async', isDisposed: true })]);
      expect(sent).toEqual(['ack 1', 'ack 1']);
    });

    it('an observable is followed to its end: one reply per value, the last one disposed', async () => {
      const { deliver, sent, published } = setup({ count: handler(() => of(1, 2), false) }, { plain: true });
      await deliver({ pattern: 'count', data: 1, id: 'r1' }, request);
      expect(published).toEqual([reply({ response: 1 }), reply({ response: 2, isDisposed: true })]);
      expect(sent).toEqual(['ack 1']);
    });

    it('a value that cannot be serialized is answered with an error and logged', async () => {
      const { deliver, sent, published, logged } = setup({ big: handler(() => ({ n: 1n }), false) }, { plain: true });
      await deliver({ pattern: 'big', data: 1, id: 'r1' }, request);
      expect(published).toEqual([reply({ err: expect.stringContaining('could not be sent'), isDisposed: true })]);
      expect(logged).toEqual([expect.stringMatching(/could not be sent: .*BigInt/)]);
      expect(sent).toEqual(['ack 1']);
    });
  });

  it('in noAck mode an answered request is not acked again and nothing is logged', async () => {
    const { deliver, sent, published, logged } = setup({ sum: handler(() => 3, false) });
    const delivery = await deliver({ pattern: 'sum', data: [1, 2], id: 'r1' }, { replyTo: 'reply-q', correlationId: 'c1' }, 'rk', true);
    expect(published.map((p) => p.body)).toEqual([{ response: 3 }, { isDisposed: true }]);
    expect(delivery.state).toBe('auto');
    expect(sent).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('a reply that cannot be serialized is logged with the message identity and answered with an error, not left to time out', async () => {
    const { deliver, sent, published, logged } = setup({ big: handler(() => ({ n: 1n }), false) });
    await deliver({ pattern: 'big', data: 1, id: 'r1' }, { replyTo: 'reply-q', correlationId: 'c1', messageId: 'm-7' });
    expect(published[0]).toEqual({
      routingKey: 'reply-q',
      body: { err: expect.stringContaining('could not be sent'), isDisposed: true },
      properties: { contentType: 'application/json', correlationId: 'c1' },
    });
    expect(logged).toEqual([expect.stringMatching(/^error the reply to queue "default-q", delivery 1, messageId "m-7".*could not be sent: .*BigInt/)]);
    // The handler ran: it is not redelivered to run (and fail to reply) again.
    expect(sent).toEqual(['ack 1']);
  });

  it('a request without replyTo is dead-lettered, with a reason', async () => {
    const { deliver, sent, logged, published } = setup({ sum: handler(() => 1, false) });
    await deliver({ pattern: 'sum', data: [], id: 'r1' });
    expect(published).toEqual([]);
    expect(sent).toEqual(['nack 1 requeue=false']);
    expect(logged[0]).toContain('request "sum" has no replyTo to answer');
  });

  it('routes a body without the envelope by the header when present, else by routing key', async () => {
    const seen: string[] = [];
    const { deliver } = setup(
      { 'from.header': handler(() => seen.push('header')), 'from.key': handler(() => seen.push('key')) },
      { patternHeader: 'x-pattern' },
    );
    await deliver({ any: 'body' }, { headers: { 'x-pattern': 'from.header' } }, 'from.key');
    await deliver({ any: 'body' }, {}, 'from.key');
    expect(seen).toEqual(['header', 'key']);
  });
});
