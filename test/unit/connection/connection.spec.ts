import { describe, it, expect } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import {
  type AMQPError,
  AuthenticationError,
  ConnectionClosedError,
  ConnectionLostError,
  HeartbeatTimeoutError,
  InvalidArgumentError,
  InvalidStateError,
  WriteTimeoutError,
} from '../../../lib/protocol/errors.js';
import { ConnectionParameters, type ConnectionParametersOptions } from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';

function setup(options: ConnectionParametersOptions | ConnectionParameters[] = {}) {
  const clock = new FakeClock();
  const rec = transportRecorder();
  const events: string[] = [];
  const errors: AMQPError[] = [];
  const params = Array.isArray(options) ? options : new ConnectionParameters(options);
  const connection = new Connection(
    params,
    {
      onOpen: () => events.push('onOpen'),
      onOpenError: (_c, error) => {
        events.push('onOpenError');
        errors.push(error);
      },
      onClose: (_c, error) => {
        events.push(`onClose:${error === undefined ? 'clean' : error.name}`);
        if (error !== undefined) errors.push(error);
      },
    },
    { clock, transport: rec.factory },
  );
  connection.on('open', () => events.push('open'));
  connection.on('close', (error) => events.push(`close:${error === undefined ? 'clean' : error.name}`));
  return { clock, rec, events, errors, connection };
}

async function opened(options: ConnectionParametersOptions = {}) {
  const s = setup(options);
  await flush();
  const t = s.rec.transports[0]!;
  t.bringUp();
  return { ...s, t };
}

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

  it('sends heartbeats on the injected clock and dies with HeartbeatTimeoutError, settling waiters', async () => {
    const { connection, clock, t, events } = await opened({ heartbeat: 2 });
    expect(connection.heartbeat).toBe(2);
    clock.advance(1000);
    expect(t.names().pop()).toBe('heartbeat');
    const pendingChannel = connection.channel();
    clock.advance(3999);
    expect(connection.isOpen).toBe(true);
    clock.advance(1001);
    expect(connection.state).toBe('CLOSED');
    expect(t.destroyed).toBe(true);
    await expect(pendingChannel).rejects.toBeInstanceOf(HeartbeatTimeoutError);
    expect(events).toContain('onClose:HeartbeatTimeoutError');
    expect(clock.pending).toBe(0);
  });

  it('declares the link dead with WriteTimeoutError when pending bytes make no progress for write_timeout', async () => {
    const { connection, clock, t, events } = await opened({ heartbeat: 60, writeTimeout: 4000 });
    t.writtenBytes = 1000;
    t.bufferedBytes = 0;
    clock.advance(10_000);
    expect(connection.isOpen).toBe(true); // nothing pending: an idle link is not a stalled one
    const pendingChannel = connection.channel();
    t.bufferedBytes = 300_000;
    clock.advance(4000);
    expect(connection.isOpen).toBe(true);
    clock.advance(1000);
    expect(connection.state).toBe('CLOSED');
    expect(t.destroyed).toBe(true);
    await expect(pendingChannel).rejects.toBeInstanceOf(WriteTimeoutError);
    expect(events).toContain('onClose:WriteTimeoutError');
    const [error] = (await connection.ioloop.start().then(
      () => [],
      (rejected: unknown) => [rejected],
    )) as WriteTimeoutError[];
    expect(error).toMatchObject({ code: 'ERR_AMQP_WRITE_TIMEOUT', timeoutMs: 4000, pendingBytes: 300_000 });
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(clock.pending).toBe(0);
  });

  it('does not count a wait the broker imposes (connection.blocked) as a stall; the clock restarts once unblocked', async () => {
    const { connection, clock, t } = await opened({ heartbeat: 0, writeTimeout: 4000 });
    t.writtenBytes = 1000;
    t.bufferedBytes = 300_000;
    t.broker('connection.blocked', { reason: 'low on memory' });
    clock.advance(60_000);
    expect(connection.isOpen).toBe(true);
    t.broker('connection.unblocked', {});
    clock.advance(4000);
    expect(connection.isOpen).toBe(true);
    clock.advance(2000);
    expect(connection.state).toBe('CLOSED');
  });

  it('keeps a slow link that makes progress, and checks nothing with write_timeout 0', async () => {
    const moving = await opened({ heartbeat: 0, writeTimeout: 4000 });
    moving.t.bufferedBytes = 300_000;
    moving.t.writtenBytes = 0;
    for (let i = 0; i < 20; i += 1) {
      moving.t.writtenBytes += 10;
      moving.clock.advance(1000);
    }
    expect(moving.connection.isOpen).toBe(true);
    const off = await opened({ heartbeat: 0, writeTimeout: 0 });
    off.t.bufferedBytes = 300_000;
    off.t.writtenBytes = 0;
    expect(off.clock.pending).toBe(0);
    off.clock.advance(3_600_000);
    expect(off.connection.isOpen).toBe(true);
  });

  it('fires the backpressure monitor once when unsent bytes pass average x multiplier', async () => {
    const { connection, t } = await opened({ backpressureDetection: true });
    const c = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await c;
    let calls = 0;
    let events = 0;
    connection.addBackpressureCallback(() => (calls += 1));
    connection.on('backpressure', () => (events += 1));
    connection.setBackpressureMultiplier(5);
    expect(() => connection.setBackpressureMultiplier(-1)).toThrow(InvalidArgumentError);
    // The fake never flushes, so the buffer only grows: the monitor must fire once, not per publish.
    for (let i = 0; i < 50; i += 1) void channel.basicPublish('', 'q', 'x'.repeat(100));
    expect(calls).toBe(1);
    expect(events).toBe(1);
    // Drained below the threshold re-arms it.
    t.bufferedBytes = 0;
    t.handlers.onDrain();
    t.bufferedBytes = 100_000;
    void channel.basicPublish('', 'q', 'x'.repeat(100));
    expect(calls).toBe(2);
  });

  it('holds a publish made over the high-water mark until the socket drains', async () => {
    const { connection, t } = await opened();
    const c = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await c;
    const drains: string[] = [];
    connection.on('drain', () => drains.push(`drain:${String(connection.isWritable)}`));
    expect(connection.isWritable).toBe(true);
    t.writeResult = false;
    let done = false;
    const published = channel.basicPublish('', 'q', 'payload').then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    expect(connection.isWritable).toBe(false);
    t.writeResult = true;
    t.handlers.onDrain();
    await published;
    expect(done).toBe(true);
    expect(drains).toEqual(['drain:true']);
    void connection.close();
    expect(connection.isWritable).toBe(false); // CLOSING: nothing may be written any more
  });

  it('never reports a publish as written once the connection is closing', async () => {
    const { connection, t } = await opened();
    const c = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await c;
    const closing = connection.close();
    expect(connection.state).toBe('CLOSING');
    const sentBefore = t.names().length;
    await expect(channel.basicPublish('', 'q', 'late')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(t.names().length).toBe(sentBefore);
    t.broker('connection.close-ok', {});
    await closing;
  });
});

describe('Connection attempts', () => {
  it('tries the hosts in order and opens on the first that answers', async () => {
    const s = setup([
      new ConnectionParameters({ host: 'down.example', port: 1 }),
      new ConnectionParameters({ host: 'up.example' }),
    ]);
    await flush();
    s.rec.transports[0]!.lose(new ConnectionLostError('could not connect to down.example:1: ECONNREFUSED'));
    expect(s.rec.transports.map((t) => t.parameters.host)).toEqual(['down.example', 'up.example']);
    expect(s.connection.state).toBe('INIT');
    s.rec.transports[1]!.bringUp();
    expect(s.events).toEqual(['onOpen', 'open']);
  });

  it('waits retryDelay between rounds and gives up after connectionAttempts with the last error', async () => {
    const s = setup({ host: 'down.example', connectionAttempts: 2, retryDelay: 5 });
    const loop = s.connection.ioloop.start();
    await flush();
    s.rec.transports[0]!.lose(new ConnectionLostError('refused 1'));
    s.clock.advance(4999);
    expect(s.rec.transports).toHaveLength(1);
    s.clock.advance(1);
    expect(s.rec.transports).toHaveLength(2);
    s.rec.transports[1]!.lose(new ConnectionLostError('refused 2'));
    expect(s.events).toEqual(['onOpenError', 'close:ConnectionLostError']);
    expect(s.errors[0]?.message).toBe('refused 2');
    await expect(loop).rejects.toBeInstanceOf(ConnectionLostError);
  });

  it('does not retry a refused login, however many attempts are allowed', async () => {
    const s = setup({ connectionAttempts: 5, retryDelay: 1 });
    await flush();
    const t = s.rec.transports[0]!;
    t.handlers.onConnect();
    t.broker('connection.start', { versionMajor: 0, versionMinor: 9, serverProperties: {}, mechanisms: 'PLAIN', locales: 'en_US' });
    t.broker('connection.close', { replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused', classId: 0, methodId: 0 });
    s.clock.advance(60_000);
    expect(s.rec.transports).toHaveLength(1);
    expect(s.errors[0]).toBeInstanceOf(AuthenticationError);
    expect(s.events).toEqual(['onOpenError', 'close:AuthenticationError']);
  });

  it('retries a stack timeout on the next host', async () => {
    const s = setup([
      new ConnectionParameters({ host: 'silent.example', stackTimeout: 2 }),
      new ConnectionParameters({ host: 'up.example' }),
    ]);
    await flush();
    s.rec.transports[0]!.handlers.onConnect();
    s.clock.advance(2000);
    expect(s.rec.transports[0]!.destroyed).toBe(true);
    expect(s.rec.transports).toHaveLength(2);
    s.rec.transports[1]!.bringUp();
    expect(s.connection.isOpen).toBe(true);
  });

  it('Connection.connect rejects with the typed error; ioloop.stop abandons the bring-up', async () => {
    const clock = new FakeClock();
    const rec = transportRecorder();
    const c = new Connection(undefined, {}, { clock, transport: rec.factory });
    const loop = c.ioloop.start();
    await flush();
    c.ioloop.stop();
    await expect(loop).rejects.toMatchObject({ initiator: 'client' });
    expect(c.state).toBe('CLOSED');
    expect(rec.transports[0]!.destroyed).toBe(true);
    await expect(Connection.connect('amqp://guest:guest@127.0.0.1:1/')).rejects.toBeInstanceOf(ConnectionLostError);
  });
});
