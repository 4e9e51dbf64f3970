/**
 * A short mutation fuzz run inside `npm test` (the long one is `npm run fuzz`): bytes of valid
 * frame streams flipped, set, truncated, inserted, deleted and duplicated, fed whole or in random
 * chunks. Every outcome must be parsed frames or exactly one typed FrameError with a spec code.
 */
import { describe, expect, it } from '@jest/globals';
import { buildCorpus, FUZZ_FRAME_MAX, mutate, newStats, prng, runOne } from '../../fuzz/mutation.js';
import { recorder } from './helpers.js';
import type { ParsedEvent } from './helpers.js';

function trace(events: ParsedEvent[]): string {
  return JSON.stringify(
    events.map((e) =>
      e.kind === 'error'
        ? {
            error: e.error.replyCode,
            message: e.error.message,
            offset: e.error.offset,
            channel: e.error.channel,
          }
        : e.kind === 'content'
          ? { ...e, body: e.body.toString('hex') }
          : e,
    ),
    (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}

function run(input: Buffer, chunks: number[]): string {
  const { parser, events } = recorder({ frameMax: FUZZ_FRAME_MAX, maxBodySize: 1 << 20 });
  let at = 0;
  for (const n of chunks) {
    parser.push(input.subarray(at, at + n));
    at += n;
  }
  parser.push(input.subarray(at));
  return trace(events);
}

describe('mutation fuzz (short run)', () => {
  it('yields parsed frames or one typed FrameError for 20,000 mutated streams, never another exception', () => {
    const rnd = prng(424242);
    const corpus = buildCorpus();
    const stats = newStats();
    for (let i = 0; i < 20000; i++) runOne(rnd, mutate(rnd, corpus[i % corpus.length]!), stats);
    expect(stats.firstUntyped).toBeUndefined();
    expect(stats.untyped).toBe(0);
    expect(stats.inputs).toBe(20000);
    // the mutations reach every class of outcome, so the invariant is tested where it matters
    expect(stats.parsedClean).toBeGreaterThan(1000);
    for (const code of [501, 502, 503, 505]) expect(stats.frameErrors[code] ?? 0).toBeGreaterThan(10);
  });

  it('the unmutated corpus parses without error, whole and in chunks', () => {
    const rnd = prng(1);
    const stats = newStats();
    for (const input of buildCorpus()) for (let k = 0; k < 20; k++) runOne(rnd, input, stats);
    expect(stats.untyped).toBe(0);
    expect(stats.parsedClean).toBe(stats.inputs);
    expect(stats.events).toBeGreaterThan(stats.inputs);
  });

  it('reports the same events and the same error whether a mutated stream arrives whole or in chunks', () => {
    const rnd = prng(99);
    const corpus = buildCorpus();
    for (let i = 0; i < 3000; i++) {
      const input = mutate(rnd, corpus[i % corpus.length]!);
      const chunks: number[] = [];
      for (let left = input.length; left > 0;) {
        const n = 1 + Math.floor(rnd() * 64);
        chunks.push(n);
        left -= n;
      }
      const whole = run(input, []);
      const chunked = run(input, chunks);
      if (chunked !== whole)
        expect({ input: input.toString('hex'), chunked }).toEqual({
          input: input.toString('hex'),
          chunked: whole,
        });
    }
  });
});
