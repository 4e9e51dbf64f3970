import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { OutageBudgetError, PublishBufferFullError } from '../../../lib/protocol/index.js';
import { OutageBudget } from '../../../lib/protocol/recovery/outage-budget.js';
import { PublishBuffer } from '../../../lib/protocol/recovery/publish-buffer.js';

function entry(bytes: number, failures: unknown[] = []) {
  return { bytes, reject: (error: unknown) => failures.push(error) };
}

function budget(limits: Partial<{ maxBytes: number; maxMessages: number; deadlineMs: number }> = {}): OutageBudget {
  return new OutageBudget({ maxBytes: 1_000_000, maxMessages: 1_000, deadlineMs: 60_000, ...limits });
}

function caught(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

// Fake timers throughout: a hold left in a budget keeps its deadline timer.
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

describe('PublishBuffer', () => {
  it('holds up to the budget\'s maxMessages, refuses the next naming the bound and the counts', () => {
    const outage = budget({ maxMessages: 2 });
    const buffer = new PublishBuffer(true, outage);
    buffer.offer(entry(10));
    buffer.offer(entry(20));
    const error = caught(() => buffer.offer(entry(1)));
    expect(error).toBeInstanceOf(OutageBudgetError);
    expect(error).toMatchObject({ bound: 'messages', heldMessages: 2, heldBytes: 30, maxMessages: 2 });
    expect(buffer.size).toBe(2);
    expect(buffer.bytes).toBe(30);
    expect(outage.counters).toMatchObject({ messages: 2, bytes: 30, refused: { messages: 1, bytes: 0, deadline: 0 } });
  });

  it('holds up to the budget\'s maxBytes of bodies', () => {
    const outage = budget({ maxBytes: 100 });
    const buffer = new PublishBuffer(true, outage);
    buffer.offer(entry(60));
    expect(caught(() => buffer.offer(entry(41)))).toMatchObject({ bound: 'bytes', bytes: 41, maxBytes: 100 });
    buffer.offer(entry(40));
    expect(buffer.bytes).toBe(100);
  });

  it('with buffering off refuses every publish', () => {
    const buffer = new PublishBuffer(false, budget());
    expect(buffer.enabled).toBe(false);
    expect(() => buffer.offer(entry(1))).toThrow(PublishBufferFullError);
    expect(() => buffer.offer(entry(1))).toThrow(/publishBuffer is off/);
  });

  it('with buffering off still holds, within the budget, what waits for the socket to drain (always)', () => {
    const outage = budget({ maxMessages: 1 });
    const buffer = new PublishBuffer(false, outage);
    buffer.offer(entry(10), true);
    expect(caught(() => buffer.offer(entry(1), true))).toMatchObject({ bound: 'messages' });
    expect(buffer.size).toBe(1);
  });

  it('shift() takes the oldest entry out and returns its room', () => {
    const outage = budget();
    const buffer = new PublishBuffer(true, outage);
    const first = entry(10);
    buffer.offer(first);
    buffer.offer(entry(20));
    expect(buffer.shift()).toBe(first);
    expect(buffer.bytes).toBe(20);
    expect(outage.counters).toMatchObject({ messages: 1, bytes: 20 });
    buffer.shift();
    expect(buffer.shift()).toBeUndefined();
    expect(outage.counters).toMatchObject({ messages: 0, bytes: 0 });
  });

  it('gives entries back oldest first, empties itself and the budget; rejectAll fails each once', () => {
    const outage = budget();
    const buffer = new PublishBuffer<ReturnType<typeof entry> & { n: number }>(true, outage);
    const failures: unknown[] = [];
    for (let n = 1; n <= 3; n += 1) buffer.offer({ ...entry(n, failures), n });
    expect(buffer.takeAll().map((e) => e.n)).toEqual([1, 2, 3]);
    expect(buffer.size).toBe(0);
    expect(buffer.bytes).toBe(0);
    expect(outage.counters).toMatchObject({ messages: 0, bytes: 0, peakMessages: 3, peakBytes: 6 });
    buffer.offer({ ...entry(5, failures), n: 4 });
    const reason = new Error('gone');
    buffer.rejectAll(reason);
    expect(failures).toEqual([reason]);
    expect(buffer.size).toBe(0);
    expect(outage.counters.messages).toBe(0);
  });

  it('fails and drops an entry at its deadline, oldest first, freeing its room', () => {
    const outage = budget({ deadlineMs: 1_000, maxMessages: 2 });
    const buffer = new PublishBuffer<ReturnType<typeof entry> & { n: number }>(true, outage);
    const failures: unknown[] = [];
    buffer.offer({ ...entry(10, failures), n: 1 });
    jest.advanceTimersByTime(400);
    buffer.offer({ ...entry(20, failures), n: 2 });
    jest.advanceTimersByTime(600);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ bound: 'deadline', deadlineMs: 1_000, bytes: 10 });
    expect(buffer.size).toBe(1);
    expect(buffer.bytes).toBe(20);
    buffer.offer({ ...entry(30, failures), n: 3 });
    jest.advanceTimersByTime(400);
    expect(failures).toHaveLength(2);
    expect(buffer.takeAll().map((e) => e.n)).toEqual([3]);
    expect(outage.counters.refused.deadline).toBe(2);
  });
});

describe('OutageBudget', () => {
  it('expires holds in admission order with one timer, skipping released ones', () => {
    const outage = budget({ deadlineMs: 100 });
    const expired: number[] = [];
    const holds = [0, 1, 2, 3].map((n) => {
      jest.advanceTimersByTime(10);
      return outage.admit(n, () => expired.push(n));
    });
    holds[1]?.release();
    holds[1]?.release();
    expect(outage.counters).toMatchObject({ messages: 3, bytes: 5 });
    jest.advanceTimersByTime(75);
    expect(expired).toEqual([0]);
    jest.advanceTimersByTime(30);
    expect(expired).toEqual([0, 2, 3]);
    expect(outage.counters).toMatchObject({ messages: 0, bytes: 0, refused: { deadline: 3 } });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves no timer once everything is released', () => {
    const outage = budget();
    const hold = outage.admit(1, () => undefined);
    expect(jest.getTimerCount()).toBe(1);
    hold.release();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with a bound of 0 refuses everything', () => {
    expect(caught(() => budget({ maxMessages: 0 }).admit(0, () => undefined))).toMatchObject({ bound: 'messages' });
    expect(caught(() => budget({ maxBytes: 0 }).admit(1, () => undefined))).toMatchObject({ bound: 'bytes' });
  });

  it('names the bound and the option in its message', () => {
    const error = caught(() => budget({ maxBytes: 10 }).admit(11, () => undefined)) as OutageBudgetError;
    expect(error.code).toBe('ERR_AMQP_OUTAGE_BUDGET');
    expect(error.message).toMatch(/recovery\.outage\.maxBytes \(10\)/);
  });
});
