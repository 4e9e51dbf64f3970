import { describe, it, expect } from '@jest/globals';
import { decideAck, type AckInput } from '../../../../lib/transport/consume/ack-policy.js';
import { retryCountOf } from '../../../../lib/transport/core/message-headers.js';

const ok = { ok: true } as const;
const failed = { ok: false, error: new Error('boom') } as const;

function input(overrides: Partial<AckInput>): AckInput {
  return { mode: 'auto', result: ok, settled: false, retryCount: 0, ...overrides };
}

describe('decideAck', () => {
  it.each<[string, Partial<AckInput>, ReturnType<typeof decideAck>]>([
    ['auto + success acks', {}, { kind: 'ack' }],
    ['auto + failure without retry dead-letters', { result: failed }, { kind: 'dead-letter' }],
    ['manual + success leaves it to the handler', { mode: 'manual' }, { kind: 'leave' }],
    ['manual + failure unsettled dead-letters', { mode: 'manual', result: failed }, { kind: 'dead-letter' }],
    ['manual + failure settled by the handler leaves it', { mode: 'manual', result: failed, settled: true }, { kind: 'leave' }],
    ['none never settles', { mode: 'none', result: failed }, { kind: 'leave' }],
    ['a settled (or lost) delivery is left alone', { settled: true }, { kind: 'leave' }],
    ['retry attempts do not apply to a success', { retry: { attempts: 3 } }, { kind: 'ack' }],
  ])('%s', (_name, overrides, expected) => {
    expect(decideAck(input(overrides))).toEqual(expected);
  });

  it('retries a failure with the next attempt number until attempts are used up, then dead-letters', () => {
    const retry = { attempts: 3, delay: 100 };
    const actions = [0, 1, 2, 3, 4].map((retryCount) => decideAck(input({ result: failed, retry, retryCount })));
    expect(actions).toEqual([
      { kind: 'retry', attempt: 1, delayMs: 100, ladderMs: 100 },
      { kind: 'retry', attempt: 2, delayMs: 100, ladderMs: 100 },
      { kind: 'retry', attempt: 3, delayMs: 100, ladderMs: 100 },
      { kind: 'dead-letter' },
      { kind: 'dead-letter' },
    ]);
  });

  it('grows the delay by the backoff factor per attempt', () => {
    const retry = { attempts: 4, delay: 50, backoff: 2 };
    const delays = [0, 1, 2, 3].map((retryCount) => decideAck(input({ result: failed, retry, retryCount })));
    expect(delays.map((action) => (action.kind === 'retry' ? action.delayMs : -1))).toEqual([50, 100, 200, 400]);
  });

  it('never retries in manual mode, even with retry options', () => {
    expect(decideAck(input({ mode: 'manual', result: failed, retry: { attempts: 5 } }))).toEqual({ kind: 'dead-letter' });
  });

  it('a poison message terminates: following the retries it asks for always ends in dead-letter', () => {
    const retry = { attempts: 7 };
    let retryCount = 0;
    let steps = 0;
    for (;;) {
      const action = decideAck(input({ result: failed, retry, retryCount }));
      steps += 1;
      if (action.kind !== 'retry') {
        expect(action.kind).toBe('dead-letter');
        break;
      }
      retryCount = action.attempt;
      expect(steps).toBeLessThanOrEqual(retry.attempts + 1);
    }
    expect(steps).toBe(retry.attempts + 1);
  });
});

describe('retryCountOf', () => {
  it.each<[unknown, number]>([
    [undefined, 0],
    [0, 0],
    [3, 3],
    [3n, 3],
    ['4', 4],
    ['-1', 0],
    [-2, 0],
    [1.5, 0],
    ['abc', 0],
    [Number.MAX_VALUE, 0],
    [{ value: 3 }, 0],
  ])('%p -> %p', (value, expected) => {
    expect(retryCountOf(value)).toBe(expected);
  });
});
