/**
 * AmqpPublisher.request through an outage, short form (the long one, 1,000 x 100 KB during 20 s, is
 * test/faults/request-outage.faults.ts): whether or not the RPC channel exists yet, requests are held
 * inside the outage budget (refused past it at once) and each is rejected at its own timeout,
 * counted from its call, never at the recovery.
 */
import { describe, expect, it } from '@jest/globals';
import { runRequestOutage } from './request-outage.js';

const MiB = 1024 * 1024;

describe('AmqpPublisher.request during an outage (proxy drops and refuses connections)', () => {
  it.each([
    ['before any request (no RPC channel yet)', false],
    ['after a request (the RPC channel recovers)', true],
  ])('%s: held bytes within the budget, each rejected at its own timeout', async (_label, warmRpc) => {
    const maxBytes = 8 * MiB;
    const timeoutMs = 1_500;
    const result = await runRequestOutage({ requests: 300, bodyBytes: 100_000, outageMs: 4_000, timeoutMs, outage: { maxBytes }, warmRpc });
    console.log(`request outage (short, warmRpc=${warmRpc}): ${JSON.stringify(result)}`);
    expect(result.otherErrors).toEqual([]);
    expect(result.budgetPeakBytes).toBeLessThanOrEqual(maxBytes);
    expect(result.refusedBytes).toBeGreaterThan(0);
    expect(result.timedOut).toBeGreaterThan(0);
    expect(result.refusedBytes + result.timedOut).toBe(300);
    expect(result.pendingAtRecovery).toBe(0);
    expect(result.timeoutLatencyMs.min).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(result.timeoutLatencyMs.max).toBeLessThan(timeoutMs + 1_000);
    expect(result.answeredAfter).toBe(true);
  }, 60_000);
});
