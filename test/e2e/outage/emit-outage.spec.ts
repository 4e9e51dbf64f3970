/**
 * ClientAMQP.emit through an outage, short form (the full one, 10,000 emits of 100 KB during 30 s with
 * the default budget, is `npm run test:outage`): memory held stays within the outage budget, calls
 * past it reject with OutageBudgetError naming the bound, the rest are delivered once after recovery.
 */
import { describe, expect, it } from '@jest/globals';
import { runEmitOutage } from './emit-outage.js';

const MiB = 1024 * 1024;

describe('ClientAMQP.emit during an outage (proxy drops and refuses connections)', () => {
  it('holds 16 MiB of 2,000 x 100 KB emits over 5 s, refuses the rest (bytes), delivers the held ones once', async () => {
    const maxBytes = 16 * MiB;
    const result = await runEmitOutage({ emits: 2_000, bodyBytes: 100_000, outageMs: 5_000, outage: { maxBytes } });
    expect(result.otherErrors).toEqual([]);
    expect(result.budget.peakBytes).toBeLessThanOrEqual(maxBytes);
    // 100,000-byte pads plus their JSON envelope: 167 fit in 16 MiB.
    expect(result.delivered).toBe(Math.floor(maxBytes / result.budget.peakBytes * result.budget.peakMessages));
    expect(result.refused).toEqual({ bytes: 2_000 - result.delivered, messages: 0, deadline: 0 });
    expect(result.received).toBe(result.delivered);
    expect(result.lost).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.unexpected).toBe(0);
    // What the process held while down, measured after full collections: at the end of the emits,
    // the budget (plus a little); at its highest sample during them, the budget plus what one batch
    // of emits has in hand.
    const { arrayBuffersBaseMiB: base, arrayBuffersOutageRetainedMiB: retained, arrayBuffersOutageLivePeakMiB: peak } = result.memory;
    expect((retained - base) * MiB).toBeLessThan(maxBytes + 2 * MiB);
    expect((peak - base) * MiB).toBeLessThan(maxBytes + 16 * MiB);
    console.log(`emit outage (short): ${JSON.stringify(result)}`);
  }, 60_000);

  it('fails what is held with the deadline bound when the outage outlasts it; nothing is sent later', async () => {
    const result = await runEmitOutage({ emits: 200, bodyBytes: 1_000, outageMs: 3_000, outage: { deadlineMs: 1_000 } });
    expect(result.otherErrors).toEqual([]);
    expect(result.refused).toEqual({ bytes: 0, messages: 0, deadline: 200 });
    expect(result.delivered).toBe(0);
    expect(result.received).toBe(0);
  }, 30_000);

  it('refuses past maxMessages with the messages bound', async () => {
    const result = await runEmitOutage({ emits: 300, bodyBytes: 100, outageMs: 1_500, outage: { maxMessages: 100 } });
    expect(result.otherErrors).toEqual([]);
    expect(result.refused).toEqual({ bytes: 0, messages: 200, deadline: 0 });
    expect(result.delivered).toBe(100);
    expect(result.received).toBe(100);
    expect(result.duplicates).toBe(0);
  }, 30_000);
});
