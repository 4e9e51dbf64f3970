/**
 * The connection machine under mutated broker streams (a short run; `npm run fuzz` runs a long one),
 * and a fast-check property over the same corpus: whatever the bytes, the chunking and the clock,
 * the outcome is events or one typed error, never another exception.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildMachineCorpus, newMachineStats, runMachineOne } from '../../fuzz/machine-mutation.js';
import { mutate, prng } from '../../fuzz/mutation.js';

describe('connection machine fuzz', () => {
  it('2,000 mutated broker streams: every outcome is events or a typed error', () => {
    const rnd = prng(777);
    const corpus = buildMachineCorpus();
    const stats = newMachineStats();
    for (let i = 0; i < 2000; i++) runMachineOne(rnd, mutate(rnd, corpus[i % corpus.length]!), stats);
    expect(stats.firstUntyped).toBeUndefined();
    expect(stats.untyped).toBe(0);
    // the mutations reach both outcomes and several kinds of ending
    expect(stats.stillOpen).toBeGreaterThan(50);
    expect(Object.keys(stats.endings).length).toBeGreaterThanOrEqual(4);
  });

  it('the unmutated corpus runs without an untyped outcome', () => {
    const rnd = prng(3);
    const stats = newMachineStats();
    for (const input of buildMachineCorpus()) for (let k = 0; k < 20; k++) runMachineOne(rnd, input, stats);
    expect(stats.untyped).toBe(0);
  });

  it('property: any mutation seed, with or without a small maxBodySize, never escapes as another exception', () => {
    const corpus = buildMachineCorpus();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), fc.integer(), (k, seed) => {
        const rnd = prng(seed);
        const stats = newMachineStats();
        runMachineOne(rnd, mutate(rnd, corpus[k]!), stats);
        expect(stats.firstUntyped).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
