/**
 * The full outage: 10,000 ClientAMQP.emit calls of 100 KB during a 30 s outage (the proxy drops the
 * connection and refuses new ones), with the default outage budget (64 MiB, 10,000 messages, 60 s).
 * The short form of the same scenario runs in `npm test` (test/e2e/outage).
 */
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_OUTAGE } from '../../lib/protocol/recovery/index.js';
import { runEmitOutage } from '../e2e/outage/emit-outage.js';

const MiB = 1024 * 1024;

describe('ClientAMQP.emit during a 30 s outage, default budget', () => {
  it('holds at most 64 MiB, refuses the rest with the bytes bound, delivers the held ones once', async () => {
    const maxBytes = DEFAULT_OUTAGE.maxBytes;
    const result = await runEmitOutage({ emits: 10_000, bodyBytes: 100_000, outageMs: 30_000, outage: {} });
    console.log(`emit outage (full): ${JSON.stringify(result)}`);
    expect(result.otherErrors).toEqual([]);
    expect(result.budget.peakBytes).toBeLessThanOrEqual(maxBytes);
    expect(result.delivered).toBeGreaterThan(600);
    // Every emit has one fate: delivered, or refused at once (bytes), or expired at the deadline.
    expect(result.delivered + result.refused.bytes + result.refused.deadline).toBe(10_000);
    expect(result.refused.messages).toBe(0);
    expect(result.refused.bytes).toBeGreaterThan(0);
    // Held less than the deadline (60 s) from the first emit to the last settled: none may expire. A
    // loaded machine whose emit loop, outage and recovery together pass it expires the oldest instead.
    if (result.heldForMs < DEFAULT_OUTAGE.deadlineMs) expect(result.refused.deadline).toBe(0);
    expect(result.received).toBe(result.delivered);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.unexpected).toBe(0);
    const { arrayBuffersBaseMiB: base, arrayBuffersOutageRetainedMiB: retained, arrayBuffersOutageLivePeakMiB: peak } = result.memory;
    expect((retained - base) * MiB).toBeLessThan(maxBytes + 2 * MiB);
    expect((peak - base) * MiB).toBeLessThan(maxBytes + 16 * MiB);
    // The emit loop, the 30 s outage and the recovery: about 60 s alone, over 130 s beside CI's
    // other steps on two cores (the run's time-out is not what this test asserts).
  }, 300_000);
});
