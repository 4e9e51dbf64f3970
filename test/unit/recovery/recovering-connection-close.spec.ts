/**
 * RecoveringConnection over a scripted fake engine: closing it (by the user, during a recovery, with
 * recovery off), and its callbacks and notifications (close, cancel and blocked) across a loss.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { InvalidStateError } from '../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../lib/protocol/recovery/index.js';
import { FakeBroker } from './fake-broker.js';
import { engineChannel, hostA, lost, open, until } from './recovery-harness.js';

describe('RecoveringConnection over a fake engine', () => {
  it('does not recover a close it asked for; close callbacks run once with undefined', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, error) => closes.push(error),
    });
    const channel = await connection.channel();
    const channelCloses: unknown[] = [];
    channel.addOnCloseCallback((_c, error) => channelCloses.push(error));
    let recovering = false;
    connection.on('recovering', () => (recovering = true));
    await connection.close();
    await connection.close();
    expect(recovering).toBe(false);
    expect(closes).toEqual([undefined]);
    expect(channelCloses).toEqual([undefined]);
    expect(connection.state).toBe('CLOSED');
    expect(broker.connections).toHaveLength(1);
    await expect(connection.channel()).rejects.toBeInstanceOf(InvalidStateError);
    await connection.ioloop.start();
  });

  it('an error listener that throws does not leave close() half done', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, error) => closes.push(error),
    });
    connection.on('error', () => {
      throw new Error('error listener bug');
    });
    const channel = await connection.channel();
    const channelCloses: string[] = [];
    channel.addOnCloseCallback(() => {
      channelCloses.push('first');
      throw new Error('close callback bug');
    });
    channel.addOnCloseCallback(() => channelCloses.push('second'));
    await connection.close();
    await connection.ioloop.start();
    expect(channelCloses).toEqual(['first', 'second']);
    expect(closes).toEqual([undefined]);
    expect(connection.state).toBe('CLOSED');
  });

  it('a cancel callback that throws does not skip the others nor escape into the engine channel', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const warnings: unknown[] = [];
    connection.on('error', (error) => warnings.push(error));
    const channel = await connection.channel();
    await channel.basicConsume('work', () => undefined, { consumerTag: 'mine' });
    const cancelled: string[] = [];
    channel.addOnCancelCallback(() => {
      cancelled.push('first');
      throw new Error('cancel callback bug');
    });
    channel.addOnCancelCallback((tag) => cancelled.push(`second ${tag}`));
    expect(() => engineChannel(channel).cancel('mine')).not.toThrow();
    expect(cancelled).toEqual(['first', 'second mine']);
    expect(warnings).toHaveLength(1);
    expect((warnings[0] as Error).message).toBe('cancel callback bug');
    await connection.close();
  });

  it('with recovery off, a loss closes it for good', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { enabled: false });
    const channel = await connection.channel();
    const error = lost();
    const closed = new Promise((resolve) => connection.once('close', resolve));
    broker.current.kill(error);
    expect(await closed).toBe(error);
    expect(channel.state).toBe('CLOSED');
    expect(broker.dialed).toHaveLength(1);
  });

  it('closing during a recovery stops it', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { initialDelayMs: 10_000 });
    const channel = await connection.channel();
    const pending = channel.queueDeclare({ queue: 'later' });
    broker.current.kill();
    const waiting = channel.queueDeclare({ queue: 'waits' });
    await connection.close();
    await expect(waiting).rejects.toBeInstanceOf(InvalidStateError);
    await pending;
    expect(broker.dialed).toHaveLength(1);
    expect(connection.state).toBe('CLOSED');
  });

  it('closing while a restore runs ends the recovery without another backoff', async () => {
    const broker = new FakeBroker();
    // The first delay is about 1 ms; any later one about a minute.
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      random: () => 0.999,
      recovery: { initialDelayMs: 1, multiplier: 100_000, maxDelayMs: 60_000 },
    });
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'q' });
    let closing: Promise<void> | undefined;
    broker.after.set('c2.ch2 queue.declare q', () => {
      closing = connection.close();
    });
    const timers = jest.spyOn(globalThis, 'setTimeout');
    try {
      broker.current.kill();
      await until(() => closing !== undefined, 'close during restore');
      await closing;
      await connection.ioloop.start();
      await until(() => true, 'the recovery loop to see the close');
      // No backoff of a further attempt was started (each would be about a minute).
      expect(timers.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 1_000)).toEqual([]);
    } finally {
      timers.mockRestore();
    }
    expect(connection.state).toBe('CLOSED');
    expect(broker.connections).toHaveLength(2);
    expect(broker.connections.every((c) => !c.isOpen)).toBe(true);
  });

  it('forwards blocked notifications of whichever engine connection is current', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const reasons: string[] = [];
    connection.addOnConnectionBlockedCallback((_c, reason) => reasons.push(reason));
    broker.current.block('low on memory');
    const first = broker.current;
    first.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    first.block('stale');
    broker.current.block('disk');
    expect(reasons).toEqual(['low on memory', 'disk']);
  });
});
