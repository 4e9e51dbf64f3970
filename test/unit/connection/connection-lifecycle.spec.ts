/**
 * Connection over a scripted transport: opening, its channels and their numbers, closing by us and
 * by the broker, and the user callbacks and events on the way.
 */
import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidStateError,
} from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';
import { opened, setup } from './scripted-connection.js';

describe('Connection over a scripted transport', () => {
  it('opens, reports open once through callback and event, and exposes the negotiated values', async () => {
    const { connection, events, t } = await opened({ channelMax: 100, heartbeat: 0 });
    expect(events).toEqual(['onOpen', 'open']);
    expect(connection.state).toBe('OPEN');
    expect(connection.isOpen).toBe(true);
    expect([connection.channelMax, connection.frameMax, connection.heartbeat]).toEqual([100, 131072, 0]);
    expect(connection.serverProperties).toEqual({ product: 'fake' });
    expect(t.names()).toEqual(['connection.start-ok', 'connection.tune-ok', 'connection.open']);
  });

  it('opens channels on the lowest free numbers and routes their frames by number', async () => {
    const { connection, t } = await opened();
    const onOpen: number[] = [];
    const first = connection.channel({ onOpen: (ch) => onOpen.push(ch.channelNumber) });
    const second = connection.channel();
    // One synchronous method in flight per channel: both channel.open frames are out at once.
    expect(t.names(1)).toEqual(['channel.open']);
    expect(t.names(2)).toEqual(['channel.open']);
    t.broker('channel.open-ok', {}, 2);
    t.broker('channel.open-ok', {}, 1);
    const [c1, c2] = await Promise.all([first, second]);
    expect([c1.channelNumber, c2.channelNumber]).toEqual([1, 2]);
    expect(onOpen).toEqual([1]);
    // Free number 1, and the next channel takes it again.
    const closing = c1.close();
    t.broker('channel.close-ok', {}, 1);
    await closing;
    const third = connection.channel();
    expect(t.names(1)).toEqual(['channel.open', 'channel.close', 'channel.open']);
    t.broker('channel.open-ok', {}, 1);
    expect((await third).channelNumber).toBe(1);
  });

  it('refuses channel numbers in use or out of range, and channels before OPEN', async () => {
    const pre = setup();
    await expect(pre.connection.channel()).rejects.toBeInstanceOf(InvalidStateError);
    const { connection, t } = await opened({ channelMax: 5 });
    const c = connection.channel({ channelNumber: 3 });
    t.broker('channel.open-ok', {}, 3);
    expect((await c).channelNumber).toBe(3);
    await expect(connection.channel({ channelNumber: 3 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(connection.channel({ channelNumber: 6 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('closes cleanly: close resolves, ioloop.start resolves, onClose gets no error, open channels get 200', async () => {
    const { connection, events, t } = await opened();
    const c = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await c;
    const channelErrors: unknown[] = [];
    channel.addOnCloseCallback((_ch, error) => channelErrors.push(error));
    const loop = connection.ioloop.start();
    let closed = false;
    const closing = connection.close(200, 'Normal shutdown', () => {
      closed = true;
    });
    expect(connection.state).toBe('CLOSING');
    expect(t.last('connection.close')).toMatchObject({ replyCode: 200, replyText: 'Normal shutdown' });
    t.broker('connection.close-ok', {});
    await closing;
    await loop;
    expect(closed).toBe(true);
    expect(connection.state).toBe('CLOSED');
    expect(t.ended).toBe(true);
    expect(events.slice(-2)).toEqual(['onClose:clean', 'close:clean']);
    expect((channelErrors[0] as ConnectionClosedError).replyCode).toBe(200);
    await expect(connection.close()).resolves.toBeUndefined();
  });

  it('settles every waiter when the broker closes: channel open rejects, ioloop.start rejects, onClose has the reason', async () => {
    const { connection, events, t, errors } = await opened();
    const loop = connection.ioloop.start();
    const pendingChannel = connection.channel();
    t.broker('connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED - shutdown', classId: 0, methodId: 0 });
    await expect(pendingChannel).rejects.toMatchObject({ replyCode: 320, initiator: 'broker' });
    await expect(loop).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(t.names().pop()).toBe('connection.close-ok');
    expect(events).toContain('onClose:ConnectionClosedError');
    expect((errors[0] as ConnectionClosedError).replyText).toBe('CONNECTION_FORCED - shutdown');
  });

  it('answers a frame for a channel it does not have with connection.close 504', async () => {
    const { t } = await opened();
    t.broker('basic.qos-ok', {}, 9);
    expect(t.last('connection.close').replyCode).toBe(504);
  });

  it('reports a throwing user callback on "error" and keeps delivering', async () => {
    const { connection, t } = await opened();
    const reported: Error[] = [];
    connection.on('error', (error) => reported.push(error));
    const c = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await c;
    const bodies: string[] = [];
    const consuming = channel.basicConsume('q', (_ch, _m, _p, body) => {
      bodies.push(body.toString());
      if (bodies.length === 1) throw new Error('handler bug');
    });
    t.broker('basic.consume-ok', { consumerTag: 'ctag' }, 1);
    await consuming;
    const deliver = { consumerTag: 'ctag', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'q' };
    t.brokerContent(1, 'basic.deliver', deliver, 'one');
    t.brokerContent(1, 'basic.deliver', { ...deliver, deliveryTag: 2 }, 'two');
    expect(bodies).toEqual(['one', 'two']);
    expect(reported.map((e) => e.message)).toEqual(['handler bug']);
    expect(connection.isOpen).toBe(true);
  });

  it('reports a throwing onOpen callback and stays open', async () => {
    const clock = new FakeClock();
    const rec = transportRecorder();
    const connection = new Connection(new ConnectionParameters(), {
      onOpen: () => {
        throw new Error('bad onOpen');
      },
    }, { clock, transport: rec.factory });
    const reported: Error[] = [];
    connection.on('error', (e) => reported.push(e));
    await flush();
    rec.transports[0]!.bringUp();
    expect(reported.map((e) => e.message)).toEqual(['bad onOpen']);
    expect(connection.isOpen).toBe(true);
  });

  it('calls blocked/unblocked callbacks and events', async () => {
    const { connection, t } = await opened();
    const seen: string[] = [];
    connection.addOnConnectionBlockedCallback((_c, reason) => seen.push(`cb-blocked:${reason}`));
    connection.addOnConnectionUnblockedCallback(() => seen.push('cb-unblocked'));
    connection.on('blocked', (reason) => seen.push(`ev-blocked:${reason}`));
    connection.on('unblocked', () => seen.push('ev-unblocked'));
    t.broker('connection.blocked', { reason: 'low on memory' });
    expect(connection.isBlocked).toBe(true);
    t.broker('connection.unblocked', {});
    expect(connection.isBlocked).toBe(false);
    expect(seen).toEqual(['cb-blocked:low on memory', 'ev-blocked:low on memory', 'cb-unblocked', 'ev-unblocked']);
  });
});
