import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from '@jest/globals';
import { DIAGNOSTICS_CHANNELS } from '../../../lib/protocol/diagnostics.js';
import { FakeLink, flush, method, openChannel } from './fake-link.js';

type Name = keyof typeof DIAGNOSTICS_CHANNELS;

/** Subscribes to the given channels; what they publish lands in `events` as [name, message]. */
function listen(names: Name[]): { events: Array<[Name, unknown]>; stop: () => void } {
  const events: Array<[Name, unknown]> = [];
  const handlers = names.map((name) => [name, (message: unknown) => events.push([name, message])] as const);
  for (const [name, handler] of handlers) subscribe(DIAGNOSTICS_CHANNELS[name], handler);
  return { events, stop: () => handlers.forEach(([name, handler]) => unsubscribe(DIAGNOSTICS_CHANNELS[name], handler)) };
}

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe('Channel: diagnostics channels', () => {
  it('publish, confirm (with how many it settled), return, deliver and settle events', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link, 7);
    const selected = channel.confirmDelivery();
    channel.handleMethod(method('confirm.select-ok'));
    await selected;
    const { events, stop: end } = listen(['publish', 'confirm', 'return', 'deliver', 'settle']);
    stop = end;

    const published = [channel.basicPublish('ex', 'rk', 'abc', { messageId: 'm1' }, { mandatory: true }), channel.basicPublish('', 'q', 'de')];
    channel.handleContent(
      method('basic.return', { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk' }),
      { messageId: 'm1' },
      Buffer.from('abc'),
    );
    channel.handleMethod(method('basic.ack', { deliveryTag: 2, multiple: true }));
    await Promise.all(published);
    const consumed = channel.basicConsume('q', () => undefined);
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'c1' }));
    await consumed;
    channel.handleContent(
      method('basic.deliver', { consumerTag: 'c1', deliveryTag: 1, redelivered: true, exchange: 'ex', routingKey: 'rk' }),
      { correlationId: 'x' },
      Buffer.from('hello'),
    );
    channel.basicAck(1);
    channel.handleContent(
      method('basic.deliver', { consumerTag: 'c1', deliveryTag: 2, redelivered: false, exchange: '', routingKey: 'q' }),
      {},
      Buffer.from(''),
    );
    channel.basicNack(2, { requeue: false });
    await flush();

    expect(events).toEqual([
      ['publish', { channelNumber: 7, exchange: 'ex', routingKey: 'rk', mandatory: true, properties: { messageId: 'm1' }, bodySize: 3 }],
      ['publish', { channelNumber: 7, exchange: '', routingKey: 'q', mandatory: false, properties: undefined, bodySize: 2 }],
      ['return', { channelNumber: 7, replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk', properties: { messageId: 'm1' } }],
      ['confirm', { channelNumber: 7, ack: true, deliveryTag: 2, multiple: true, count: 2 }],
      [
        'deliver',
        { channelNumber: 7, consumerTag: 'c1', deliveryTag: 1, redelivered: true, exchange: 'ex', routingKey: 'rk', properties: { correlationId: 'x' }, bodySize: 5 },
      ],
      ['settle', { channelNumber: 7, method: 'basic.ack', deliveryTag: 1, multiple: false, requeue: false }],
      ['deliver', { channelNumber: 7, consumerTag: 'c1', deliveryTag: 2, redelivered: false, exchange: '', routingKey: 'q', properties: {}, bodySize: 0 }],
      ['settle', { channelNumber: 7, method: 'basic.nack', deliveryTag: 2, multiple: false, requeue: false }],
    ]);
  });
});
