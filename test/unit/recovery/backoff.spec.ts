import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../../../lib/protocol/index.js';
import { backoffCeiling, backoffDelay } from '../../../lib/protocol/recovery/index.js';
import { resolveRecoveryOptions, type RecoveryOptions } from '../../../lib/protocol/recovery/recovery-options.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2 };

describe('exponential backoff with full jitter', () => {
  it('grows the ceiling by the multiplier per attempt and caps it at maxDelay', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(policy, n))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(backoffCeiling(policy, 10_000)).toBe(1_000);
    expect(backoffCeiling({ ...policy, multiplier: 1 }, 7)).toBe(100);
  });

  it('draws the delay uniformly below the ceiling', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0.999999)).toBe(399);
    const draws = Array.from({ length: 2_000 }, () => backoffDelay(policy, 4));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(800);
    // Spread, not a fixed value: full jitter.
    expect(new Set(draws).size).toBeGreaterThan(100);
  });
});

describe('recovery options', () => {
  it('fills in the defaults', () => {
    expect(resolveRecoveryOptions()).toEqual({
      enabled: true,
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      maxAttempts: Number.POSITIVE_INFINITY,
      publishBuffer: false,
      outage: { maxBytes: 64 * 1024 * 1024, maxMessages: 10_000, deadlineMs: 60_000 },
      topology: true,
    });
    expect(resolveRecoveryOptions({ publishBuffer: true, outage: { maxBytes: 1024 } })).toMatchObject({
      publishBuffer: true,
      outage: { maxBytes: 1024, maxMessages: 10_000, deadlineMs: 60_000 },
    });
    expect(resolveRecoveryOptions({ outage: { maxMessages: 0 } }).outage.maxMessages).toBe(0);
  });

  it.each([
    [{ initialDelayMs: -1 }, 'recovery.initialDelayMs'],
    [{ maxDelayMs: Number.NaN }, 'recovery.maxDelayMs'],
    [{ multiplier: 0.5 }, 'recovery.multiplier'],
    [{ maxAttempts: 0 }, 'recovery.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'recovery.maxAttempts'],
    [{ publishBuffer: { maxMessages: 10 } }, 'recovery.publishBuffer'],
    [{ outage: { maxBytes: 2.5 } }, 'recovery.outage.maxBytes'],
    [{ outage: { maxMessages: -1 } }, 'recovery.outage.maxMessages'],
    [{ outage: { deadlineMs: Number.POSITIVE_INFINITY } }, 'recovery.outage.deadlineMs'],
    [{ outage: { maxMessage: 5 } }, 'recovery.outage.maxMessage'],
  ])('refuses %j naming %s', (options, argument) => {
    let caught: unknown;
    try {
      resolveRecoveryOptions(options as RecoveryOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).argument).toBe(argument);
  });
});
