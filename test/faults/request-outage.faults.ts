/**
 * The full request outage: 1,000 AmqpPublisher.request calls of 100 KB (timeout 2 s) during a 20 s
 * outage (the proxy drops the connection and refuses new ones), before any request was made and
 * after one. Held bytes stay within the budget; each request is rejected at its own timeout, counted
 * from its call, long before the broker returns. The short form runs in `npm test` (test/e2e/outage).
 */
import { describe, expect, it } from '@jest/globals';
import { runRequestOutage } from '../e2e/outage/request-outage.js';

const MiB = 1024 * 1024;

describe('AmqpPublisher.request during a 20 s outage', () => {
  it.each([
    ['before any request (no RPC channel yet)', false],
    ['after a request (the RPC channel recovers)', true],
  ])('%s: 1,000 x 100 KB, held bytes within 16 MiB, each rejected at its own 2 s timeout', async (_label, warmRpc) => {
    const maxBytes = 16 * MiB;
    const timeoutMs = 2_000;
    const result = await runRequestOutage({ requests: 1_000, bodyBytes: 100_000, outageMs: 20_000, timeoutMs, outage: { maxBytes }, warmRpc });
    console.log(`request outage (full, warmRpc=${warmRpc}): ${JSON.stringify(result)}`);
    expect(result.otherErrors).toEqual([]);
    expect(result.budgetPeakBytes).toBeLessThanOrEqual(maxBytes);
    expect(result.refusedBytes + result.timedOut).toBe(1_000);
    expect(result.pendingAtRecovery).toBe(0);
    expect(result.timeoutLatencyMs.min).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(result.timeoutLatencyMs.max).toBeLessThan(timeoutMs + 2_000);
    expect(result.answeredAfter).toBe(true);
  });
});
