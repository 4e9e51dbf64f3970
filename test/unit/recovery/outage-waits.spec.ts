/**
 * What waits for a recovering connection within its outage budget, over the scripted fake engine:
 * publishWithRetry while down (buffering off), waitOutOutage (the Nest layer's wait), each counted,
 * refused past a bound, expired at the deadline, released by the recovery or the final close.
 */
import { describe, expect, it } from '@jest/globals';
import { ConnectionLostError, OutageBudgetError, RecoveryFailedError } from '../../../lib/protocol/index.js';
import { FakeBroker } from './fake-broker.js';
import type { FakeChannel } from './fake-channel.js';
import { openOver, until } from './recovery-harness.js';

function settled(promise: Promise<unknown>): { value: unknown; done: boolean } {
  const state = { value: undefined as unknown, done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { value: error, done: true }),
  );
  return state;
}

describe('waiting out an outage within the budget', () => {
  it('publishWithRetry while down (buffering off) waits, counted, and is sent after the recovery', async () => {
    const broker = new FakeBroker();
    // The second connect fails: the recovery takes a moment, long enough to look at the counters.
    broker.script.push('ok', new ConnectionLostError('ECONNREFUSED'));
    const connection = await openOver(broker, { initialDelayMs: 20 });
    const channel = await connection.channel();
    broker.current.kill();
    const waiting = settled(channel.publishWithRetry('', 'q', 'while-down'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(connection.outage).toMatchObject({ messages: 1, bytes: 10 });
    expect(waiting.done).toBe(false);
    await until(() => waiting.done, 'the publish after recovery');
    expect(waiting.value).toBeUndefined();
    expect((channel.unwrap() as FakeChannel).published).toEqual(['while-down']);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0, peakMessages: 1 });
    await connection.close();
  });

  it('publishWithRetry while down is refused at once past maxBytes, naming the bound', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { initialDelayMs: 10_000, outage: { maxBytes: 8 } }, true);
    const channel = await connection.channel();
    broker.current.kill();
    const fits = settled(channel.publishWithRetry('', 'q', '12345678'));
    await expect(channel.publishWithRetry('', 'q', 'x')).rejects.toMatchObject({ bound: 'bytes', heldBytes: 8, bytes: 1 });
    expect(fits.done).toBe(false);
    await connection.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fits.done).toBe(true);
    expect(connection.outage.messages).toBe(0);
  });

  it('a wait past deadlineMs rejects with the deadline bound and leaves nothing held', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { initialDelayMs: 10_000, outage: { deadlineMs: 30 } }, true);
    const channel = await connection.channel();
    broker.current.kill();
    const started = Date.now();
    const error = await channel.publishWithRetry('', 'q', 'late').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutageBudgetError);
    expect(error).toMatchObject({ bound: 'deadline', deadlineMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await expect(connection.waitOutOutage(1)).rejects.toMatchObject({ bound: 'deadline' });
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0, refused: { deadline: 2 } });
    await connection.close();
  });

  it('waitOutOutage: at once when open, counted while down, refused past maxMessages, failed by the final close', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { maxAttempts: 1, initialDelayMs: 20, outage: { maxMessages: 2 } });
    await expect(connection.waitOutOutage(100)).resolves.toBeUndefined();
    expect(connection.outage.peakMessages).toBe(0);
    broker.script.push(new ConnectionLostError('ECONNREFUSED'));
    broker.current.kill();
    const first = connection.waitOutOutage(100);
    const second = connection.waitOutOutage(100);
    await expect(connection.waitOutOutage(100)).rejects.toMatchObject({ bound: 'messages', heldMessages: 2 });
    expect(connection.outage).toMatchObject({ messages: 2, bytes: 200 });
    await expect(first).rejects.toBeInstanceOf(RecoveryFailedError);
    await expect(second).rejects.toBeInstanceOf(RecoveryFailedError);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0 });
  });
});
