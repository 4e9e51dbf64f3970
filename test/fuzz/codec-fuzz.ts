/**
 * Long mutation fuzz run of the frame parser (`npm run fuzz`, not part of `npm test`).
 *
 *   FUZZ_COUNT (default 1,000,000) mutated inputs, FUZZ_SEED (default 20261126) seeds the PRNG.
 *
 * Prints the count and the outcomes; exits 1 if any input produced an untyped exception (anything
 * thrown out of push, an internal failure, a reply code outside 501/502/503/505, or two errors).
 */
import { buildCorpus, mutate, newStats, prng, runOne } from './mutation.js';

const count = Number(process.env.FUZZ_COUNT ?? process.argv[2] ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? 20261126);
const rnd = prng(seed);
const corpus = buildCorpus();
const stats = newStats();
const started = Date.now();
for (let i = 0; i < count; i++) {
  const base = corpus[Math.floor(rnd() * corpus.length)] as Buffer;
  runOne(rnd, mutate(rnd, base), stats);
  if ((i + 1) % 250_000 === 0)
    console.log(`  ${(i + 1).toLocaleString('en-US')} inputs, ${stats.untyped} untyped`);
}
const seconds = (Date.now() - started) / 1000;
console.log(
  `codec fuzz: seed ${seed}, ${stats.inputs.toLocaleString('en-US')} mutated inputs in ${seconds.toFixed(1)} s`,
);
console.log(
  `  parsed without error: ${stats.parsedClean.toLocaleString('en-US')}, events delivered: ${stats.events.toLocaleString('en-US')}`,
);
console.log(`  frame errors by reply code: ${JSON.stringify(stats.frameErrors)}`);
console.log(`  untyped exceptions: ${stats.untyped}`);
if (stats.untyped > 0) {
  console.error(`FAIL: first untyped outcome: ${stats.firstUntyped}`);
  process.exit(1);
}
