import { describe, it, expect } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { Channel } from '../../../lib/protocol/channel/channel.js';
import {
  ChannelClosedError,
  ChannelStateError,
  ConnectionClosedError,
  ConnectionLostError,
  InvalidStateError,
} from '../../../lib/protocol/errors.js';
import { FakeLink, method, openChannel } from './fake-link.js';

function brokerClose(code: number, text: string, classId: number, methodId: number) {
  return method('channel.close', { replyCode: code, replyText: text, classId, methodId });
}

describe('Channel: broker-initiated close', () => {
  it('answers close-ok, rejects every waiter with the broker error and frees the number', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link, 4);
    const closes: Array<[Channel, unknown]> = [];
    channel.addOnCloseCallback((ch, error) => closes.push([ch, error]));
    const inFlight = channel.queueDeclare({ queue: 'missing', passive: true });
    const queued = channel.queueBind({ queue: 'missing', exchange: 'amq.direct' });
    link.take();

    channel.handleMethod(brokerClose(404, "NOT_FOUND - no queue 'missing'", 50, 10));

    expect(link.take().map((w) => [w.channel, w.method.name])).toEqual([[4, 'channel.close-ok']]);
    expect(channel.state).toBe('CLOSED');
    expect(link.released).toEqual([4]);
    for (const waiter of [inFlight, queued]) {
      const error = await waiter.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect(error).toMatchObject({
        channel: 4,
        replyCode: 404,
        replyText: "NOT_FOUND - no queue 'missing'",
        classId: 50,
        methodId: 10,
        initiator: 'broker',
      });
    }
    expect(closes).toHaveLength(1);
    expect(closes[0]![0]).toBe(channel);
    expect(closes[0]![1]).toMatchObject({ replyCode: 404, initiator: 'broker' });
  });

  it('refuses every operation once CLOSED, with a typed error naming method and state', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    channel.handleMethod(brokerClose(406, 'PRECONDITION_FAILED', 60, 80));
    link.take();
    const attempts: Array<[string, () => unknown]> = [
      ['basic.publish', () => channel.basicPublish('', 'q', 'x')],
      ['basic.ack', () => channel.basicAck(1)],
      ['basic.nack', () => channel.basicNack(1)],
      ['basic.reject', () => channel.basicReject(1)],
      ['queue.declare', () => channel.queueDeclare({ queue: 'q' })],
      ['basic.consume', () => channel.basicConsume('q', () => undefined)],
      ['confirm.select', () => channel.confirmDelivery()],
    ];
    for (const [name, attempt] of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ChannelStateError);
      expect(error).toBeInstanceOf(InvalidStateError);
      expect(error).toMatchObject({ method: name, state: 'CLOSED', channel: 1 });
    }
    expect(link.take()).toEqual([]);
  });

  it('rejects outstanding confirms and held publishes on a broker close', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const selected = channel.confirmDelivery();
    channel.handleMethod(method('confirm.select-ok'));
    await selected;
    const confirmed = channel.basicPublish('', 'q', 'a');
    void channel.queueDeclare({ queue: 'q' });
    const held = channel.basicPublish('', 'q', 'b'); // behind the declare, not on the wire yet
    link.take();
    channel.handleMethod(brokerClose(404, 'NOT_FOUND', 60, 40));
    await expect(confirmed).rejects.toMatchObject({ replyCode: 404, initiator: 'broker' });
    await expect(held).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('Channel: client-initiated close', () => {
  it('sends queued synchronous methods first, then channel.close, and resolves on close-ok', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link, 2);
    const closes: unknown[] = [];
    channel.addOnCloseCallback((_ch, error) => closes.push(error));
    const declared = channel.queueDeclare({ queue: 'a' });
    const deleted = channel.queueDelete({ queue: 'a' });
    const closed = channel.close();
    expect(channel.state).toBe('CLOSING');
    expect(channel.close()).toBe(closed);
    expect(link.names()).toEqual(['queue.declare']);
    channel.handleMethod(method('queue.declare-ok', { queue: 'a', messageCount: 0, consumerCount: 0 }));
    // close is not a synchronous entry of the queue: it follows the delete without waiting for its reply
    const frames = link.take();
    expect(frames.map((w) => w.method.name)).toEqual(['queue.delete', 'channel.close']);
    expect(frames[1]!.method.args).toMatchObject({
      replyCode: 200,
      replyText: 'Normal shutdown',
      classId: 0,
      methodId: 0,
    });
    channel.handleMethod(method('queue.delete-ok', { messageCount: 0 }));
    // deliveries after our close are discarded, as the spec asks
    channel.handleContent(
      method('basic.deliver', {
        consumerTag: 'x',
        deliveryTag: 1,
        redelivered: false,
        exchange: '',
        routingKey: '',
      }),
      {},
      Buffer.alloc(0),
    );
    channel.handleMethod(method('channel.close-ok'));
    await expect(declared).resolves.toMatchObject({ queue: 'a' });
    await expect(deleted).resolves.toEqual({ messageCount: 0 });
    await expect(closed).resolves.toBeUndefined();
    expect(channel.state).toBe('CLOSED');
    expect(link.released).toEqual([2]);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ replyCode: 200, initiator: 'client', channel: 2 });
    await expect(channel.close()).resolves.toBeUndefined();
    expect(link.take()).toEqual([]);
  });

  it('keeps the number until the close-ok when both sides closed at once', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link, 5);
    const closed = channel.close(200, 'bye');
    expect(link.names()).toEqual(['channel.close']);
    channel.handleMethod(brokerClose(406, 'PRECONDITION_FAILED', 60, 80));
    expect(link.names()).toEqual(['channel.close-ok']);
    expect(channel.state).toBe('CLOSED');
    await expect(closed).resolves.toBeUndefined();
    expect(link.released).toEqual([]);
    channel.handleMethod(method('channel.close-ok'));
    expect(link.released).toEqual([5]);
  });

  it('a close while OPENING is sent after open-ok arrives', async () => {
    const link = new FakeLink();
    const channel = new Channel(link, 1);
    const opened = channel.open();
    const closed = channel.close();
    expect(link.names()).toEqual(['channel.open', 'channel.close']);
    channel.handleMethod(method('channel.open-ok', { channelId: '' }));
    await expect(opened).resolves.toBe(channel);
    expect(channel.state).toBe('CLOSING');
    channel.handleMethod(method('channel.close-ok'));
    await expect(closed).resolves.toBeUndefined();
    expect(channel.state).toBe('CLOSED');
  });

  it('refuses a reply code outside a short', async () => {
    const channel = await openChannel(new FakeLink());
    expect(() => channel.close(70000)).toThrow(/replyCode/);
    expect(channel.state).toBe('OPEN');
  });
});

describe('Channel: connection loss', () => {
  it('settles every waiter with the connection error and reaches CLOSED', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const closes: unknown[] = [];
    channel.addOnCloseCallback((_ch, error) => closes.push(error));
    await Promise.all([
      channel.confirmDelivery(),
      Promise.resolve(channel.handleMethod(method('confirm.select-ok'))),
    ]);
    const publishes = [channel.basicPublish('', 'q', 'a'), channel.basicPublish('', 'q', 'b')];
    const rpc = channel.queueDeclare({ queue: 'q' });
    const lost = new ConnectionLostError('socket closed');
    channel.handleConnectionClosed(lost);
    expect(channel.state).toBe('CLOSED');
    for (const p of [...publishes, rpc]) await expect(p).rejects.toBe(lost);
    expect(closes).toEqual([lost]);
    expect(closes[0]).toBeInstanceOf(ConnectionClosedError);
    // a second notice changes nothing
    channel.handleConnectionClosed(lost);
    expect(closes).toHaveLength(1);
  });

  it('rejects a publish waiting for drain when the connection dies', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    link.writeResult = false;
    const publish = channel.basicPublish('', 'q', 'x');
    link.failDrain(new ConnectionLostError('gone'));
    await expect(publish).rejects.toBeInstanceOf(ConnectionLostError);
  });

  it('OPENING -> CLOSED: a broker close or a lost connection rejects open()', async () => {
    const link = new FakeLink();
    const refused = new Channel(link, 1);
    const opening = refused.open();
    refused.handleMethod(brokerClose(530, 'NOT_ALLOWED', 20, 10));
    await expect(opening).rejects.toMatchObject({ replyCode: 530, initiator: 'broker' });
    expect(refused.state).toBe('CLOSED');
    expect(link.released).toEqual([1]);

    const lost = new Channel(link, 2);
    const opening2 = lost.open();
    const error = new ConnectionLostError('reset');
    lost.handleConnectionClosed(error);
    await expect(opening2).rejects.toBe(error);
    expect(lost.state).toBe('CLOSED');
  });

  it('CLOSING -> CLOSED on connection loss resolves close() and reports the connection error', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const closes: unknown[] = [];
    channel.addOnCloseCallback((_ch, error) => closes.push(error));
    const closed = channel.close();
    const error = new ConnectionLostError('reset');
    channel.handleConnectionClosed(error);
    await expect(closed).resolves.toBeUndefined();
    expect(channel.state).toBe('CLOSED');
    expect(closes).toEqual([error]);
  });
});

describe('Channel: a throwing error listener', () => {
  it('still calls every close callback when the connection\'s error listener throws', async () => {
    const link = new FakeLink();
    const connection = new EventEmitter();
    connection.on('error', () => {
      throw new Error('error listener bug');
    });
    link.connection = connection;
    const channel = await openChannel(link, 2);
    const called: string[] = [];
    channel.addOnCloseCallback(() => {
      called.push('first');
      throw new Error('close callback bug');
    });
    channel.addOnCloseCallback(() => called.push('second'));
    // The broker's close arrives from the parser: nothing may throw back into it.
    expect(() => channel.handleMethod(brokerClose(404, 'NOT_FOUND', 50, 10))).not.toThrow();
    expect(called).toEqual(['first', 'second']);
    expect(channel.state).toBe('CLOSED');
    expect(link.released).toEqual([2]);
  });
});
