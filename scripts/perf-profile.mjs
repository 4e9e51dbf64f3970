/**
 * Summaries of the profiles bench/support/prof-rpc.ts writes, as the tables docs/performance.md shows.
 *
 *   node scripts/perf-profile.mjs cpu <file.cpuprofile> [top=25]
 *       self time of the top frames, as a share of the time the process was busy (idle left out,
 *       so a profile taken on a loaded machine reads the same as one taken on a quiet one)
 *   node scripts/perf-profile.mjs alloc <file.heapprofile> <calls> [top=25]
 *       bytes allocated per call by the top allocating frames (the sampling heap profile keeps the
 *       objects already collected, so this is what was allocated, not what survived)
 */
import { readFileSync } from 'node:fs';

const [mode, file, third, fourth] = process.argv.slice(2);
if ((mode !== 'cpu' && mode !== 'alloc') || file === undefined) {
  console.error('usage: perf-profile.mjs cpu <file> [top] | alloc <file> <calls> [top]');
  process.exit(2);
}

/** `name file:line`, with the path cut to the package's own folders or the dependency's name. */
function frameName(callFrame) {
  const url = callFrame.url ?? '';
  let where = url;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (dependency !== null) where = `${dependency[1]}/${dependency[2].split('/').pop()}`;
  else if (url.includes('/lib/')) where = `lib/${url.split('/lib/').pop()}`;
  else if (url.includes('/bench/')) where = `bench/${url.split('/bench/').pop()}`;
  const name = callFrame.functionName === '' ? '(anonymous)' : callFrame.functionName;
  return where === '' ? name : `${name} ${where}:${callFrame.lineNumber + 1}`;
}

function table(rows, total, unit, top) {
  for (const [name, value] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const share = ((100 * value) / total).toFixed(1).padStart(5);
    console.log(`| ${share}% | ${unit(value)} | \`${name}\` |`);
  }
}

const profile = JSON.parse(readFileSync(file, 'utf8'));

if (mode === 'cpu') {
  const top = Number(third ?? 25);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFrame = new Map();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const name = frameName(nodes.get(id).callFrame);
    if (name === '(idle)' || name === '(program)') continue;
    busy += micros;
    byFrame.set(name, (byFrame.get(name) ?? 0) + micros);
  }
  console.log(`busy ${(busy / 1000).toFixed(0)} ms sampled\n`);
  console.log('| share of busy time | ms | frame (self time) |');
  console.log('|---:|---:|---|');
  table(byFrame, busy, (micros) => (micros / 1000).toFixed(0), top);
} else {
  const calls = Number(third);
  const top = Number(fourth ?? 25);
  if (!(calls > 0)) {
    console.error('alloc needs the number of calls the profile covers');
    process.exit(2);
  }
  const byFrame = new Map();
  let total = 0;
  const walk = (node) => {
    const bytes = node.selfSize ?? 0;
    if (bytes > 0) {
      const name = frameName(node.callFrame);
      byFrame.set(name, (byFrame.get(name) ?? 0) + bytes);
      total += bytes;
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.head);
  console.log(`${(total / calls).toFixed(0)} bytes allocated per call (sampled)\n`);
  console.log('| share | bytes/call | frame (self) |');
  console.log('|---:|---:|---|');
  table(byFrame, total, (bytes) => (bytes / calls).toFixed(0), top);
}
