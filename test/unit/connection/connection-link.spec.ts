/**
 * Connection over a scripted transport: the link checks (heartbeats, write stalls) and back-pressure
 * (the monitor, publishes held over the high-water mark).
 */
import { describe, it, expect } from '@jest/globals';
import {
  ConnectionClosedError,
  ConnectionLostError,
  HeartbeatTimeoutError,
  InvalidArgumentError,
  WriteTimeoutError,
} from '../../../lib/protocol/errors.js';
import { flush } from './fake-io.js';
import { opened } from './scripted-connection.js';

describe('Connection over a scripted transport', () => {
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
