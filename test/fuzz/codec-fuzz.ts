/**
 * Long mutation fuzz run of the frame parser and of the connection machine (`npm run fuzz`, not part
 * of `npm test`).
 *
 *   FUZZ_COUNT (default 1,000,000) mutated inputs for the parser (half of them with an oversize
 *   handler), FUZZ_MACHINE_COUNT (default FUZZ_COUNT / 10) for the connection machine, FUZZ_SEED
 *   (default 20261126) seeds the PRNG.
 *
 * Prints the counts and the outcomes; exits 1 if any input produced an untyped outcome (anything
 * thrown out of push / receive / onTimer, an internal failure, a reply code outside 501/502/503/505,
 * two errors, a machine that ended without a typed error, or output the codec cannot parse).
 */
import { buildMachineCorpus, newMachineStats, runMachineOne } from './machine-mutation.js';
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

const machineCount = Number(process.env.FUZZ_MACHINE_COUNT ?? Math.floor(count / 10));
const machineCorpus = buildMachineCorpus();
const machineStats = newMachineStats();
const machineStarted = Date.now();
for (let i = 0; i < machineCount; i++) {
  const base = machineCorpus[Math.floor(rnd() * machineCorpus.length)] as Buffer;
  runMachineOne(rnd, rnd() < 0.1 ? base : mutate(rnd, base), machineStats);
}
console.log(
  `machine fuzz: ${machineStats.inputs.toLocaleString('en-US')} mutated streams in ${((Date.now() - machineStarted) / 1000).toFixed(1)} s, still open after: ${machineStats.stillOpen.toLocaleString('en-US')}`,
);
console.log(`  endings by error code: ${JSON.stringify(machineStats.endings)}`);
console.log(`  untyped outcomes: ${machineStats.untyped}`);

if (stats.untyped > 0 || machineStats.untyped > 0) {
  console.error(`FAIL: first untyped outcome: ${stats.firstUntyped ?? machineStats.firstUntyped}`);
  process.exit(1);
}
