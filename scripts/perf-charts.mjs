/**
 * The charts of docs/performance.md, drawn as SVG from the JSON the benches write with BENCH_JSON:
 *
 *   BENCH_JSON=docs/perf-data/nest.json npm run bench:nest
 *   BENCH_JSON=docs/perf-data/nest-otel.json npm run bench:nest:otel
 *   BENCH_JSON=docs/perf-data/engine.json npm run bench
 *   node scripts/perf-charts.mjs [--data docs/perf-data] [--out docs/images]
 *
 * Reads nest.json (required), and when present nest-before.json (the same bench on the code before
 * a change), nest-otel.json (with nest-otel-before.json, the tracing bench before a change) and
 * engine.json from the data folder; writes perf-*.svg to the output
 * folder, and prints the tables docs/performance.md shows (markdown). No dependency: the SVG is
 * written by hand.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
const dataDir = option('--data', 'docs/perf-data');
const outDir = option('--out', 'docs/images');

const read = (name) => {
  const path = join(dataDir, name);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};
const nest = read('nest.json');
if (nest === undefined) {
  console.error(`no ${join(dataDir, 'nest.json')}: run BENCH_JSON=${join(dataDir, 'nest.json')} npm run bench:nest first`);
  process.exit(1);
}
const before = read('nest-before.json');
const otel = read('nest-otel.json');
const otelBefore = read('nest-otel-before.json');
const engine = read('engine.json');

const COLORS = { ceiling: '#9aa5b1', ours: '#2f6fdf', before: '#a8c1f0', nest: '#e07b39', other: '#6b8e23' };
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const load = (run) => `load ${run.load.start.map((v) => v.toFixed(1)).join(' ')} at the start`;

/**
 * A horizontal bar chart: `rows` of { label, value, color }, each bar labelled with its value.
 * `note` is the small print under the title (what was measured, the load).
 */
function barChart({ title, note, unit, digits = 0, rows }) {
  const width = 760;
  const labelWidth = 250;
  const barHeight = 22;
  const gap = 8;
  const top = 58;
  const max = Math.max(...rows.map((row) => row.value)) * 1.15;
  const height = top + rows.length * (barHeight + gap) + 16;
  const scale = (value) => ((width - labelWidth - 20) * value) / max;
  const bars = rows
    .map((row, i) => {
      const y = top + i * (barHeight + gap);
      const w = Math.max(1, scale(row.value));
      const text = `${row.value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
      return (
        `<text x="${labelWidth - 8}" y="${y + barHeight * 0.7}" text-anchor="end">${escape(row.label)}</text>` +
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${row.color}"/>` +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight * 0.7}">${escape(text)}</text>`
      );
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="12" y="22" font-size="16" font-weight="bold">${escape(title)}</text>
<text x="12" y="42" fill="#555555" font-size="11">${escape(note)}</text>
${bars}
</svg>
`;
}

const charts = {};
const runNote = (run) => `bench:nest, ${run.rounds} rounds (median), ${run.calls.inFlight} in flight, ${load(run)}, ${run.date.slice(0, 10)}`;
const { ours, noack, nest: rmq } = nest.peers;
const { noAck: ceilingNoAck, acked: ceilingAcked } = nest.ceiling;

charts['perf-rpc-rate.svg'] = barChart({
  title: `Request/reply, ${nest.calls.inFlight} calls in flight (higher is better)`,
  note: runNote(nest),
  unit: 'calls/s',
  rows: [
    { label: 'zero-cost client, noAck (ceiling)', value: ceilingNoAck.parallelRate, color: COLORS.ceiling },
    { label: 'zero-cost client, acked (ceiling)', value: ceilingAcked.parallelRate, color: COLORS.ceiling },
    ...(before === undefined ? [] : [{ label: 'ours, acked (before)', value: before.peers.ours.parallelRate, color: COLORS.before }]),
    { label: 'ours, acked (as shipped)', value: ours.parallelRate, color: COLORS.ours },
    { label: 'ours, noAck (as Nest RMQ)', value: noack.parallelRate, color: COLORS.ours },
    { label: "Nest's RMQ transport", value: rmq.parallelRate, color: COLORS.nest },
  ],
});

const cpuRows = (pick) => [
  { label: 'zero-cost client, acked (ceiling)', value: pick(ceilingAcked), color: COLORS.ceiling },
  ...(before === undefined ? [] : [{ label: 'ours, acked (before)', value: pick(before.peers.ours), color: COLORS.before }]),
  { label: 'ours, acked (as shipped)', value: pick(ours), color: COLORS.ours },
  { label: 'ours, noAck (as Nest RMQ)', value: pick(noack), color: COLORS.ours },
  { label: "Nest's RMQ transport", value: pick(rmq), color: COLORS.nest },
];
charts['perf-process-cpu.svg'] = barChart({
  title: 'CPU of the client + server process per call (lower is better)',
  note: runNote(nest),
  unit: 'µs',
  digits: 1,
  rows: [
    ...cpuRows((r) => r.parallelProcessUs).slice(0, 1),
    // bench:nest's loopback Nest transport (no broker): what Nest's own client and handler pipeline
    // add to any transport; with the ceiling, the least a Nest transport's process can spend.
    ...(nest.nestPlumbingUs === undefined
      ? []
      : [{ label: 'zero-cost + Nest plumbing (floor)', value: ceilingAcked.parallelProcessUs + nest.nestPlumbingUs, color: COLORS.ceiling }]),
    ...cpuRows((r) => r.parallelProcessUs).slice(1),
  ],
});
charts['perf-broker-cpu.svg'] = barChart({
  title: "The broker's CPU per call (lower is better)",
  note: runNote(nest),
  unit: 'µs',
  digits: 1,
  rows: cpuRows((r) => r.parallelBrokerUs),
});
charts['perf-p50.svg'] = barChart({
  title: 'Sequential request/reply, p50 latency (lower is better)',
  note: `bench:nest, ${nest.calls.sequential} calls one at a time, ${load(nest)}, ${nest.date.slice(0, 10)}`,
  unit: 'ms',
  digits: 3,
  rows: [
    { label: 'zero-cost client, acked (ceiling)', value: ceilingAcked.seqP50, color: COLORS.ceiling },
    ...(before === undefined ? [] : [{ label: 'ours, acked (before)', value: before.peers.ours.seqP50, color: COLORS.before }]),
    { label: 'ours, acked (as shipped)', value: ours.seqP50, color: COLORS.ours },
    { label: "Nest's RMQ transport", value: rmq.seqP50, color: COLORS.nest },
  ],
});

if (otel !== undefined) {
  charts['perf-tracing.svg'] = barChart({
    title: 'Tracing: process CPU per call at 100 in flight (lower is better)',
    note: `bench:nest and bench:nest:otel (SDK, every span sampled, batch export), ${load(otel)}`,
    unit: 'µs',
    digits: 1,
    rows: [
      { label: 'ours, tracing off', value: ours.parallelProcessUs, color: COLORS.ours },
      ...(otel.sdkFloorUs === undefined
        ? []
        : [{ label: "off + the SDK's own floor (best reachable)", value: ours.parallelProcessUs + otel.sdkFloorUs, color: COLORS.ceiling }]),
      ...(otelBefore === undefined ? [] : [{ label: 'ours, SDK on (before)', value: otelBefore.peers.ours.parallelProcessUs, color: COLORS.before }]),
      { label: 'ours, SDK on, all sampled', value: otel.peers.ours.parallelProcessUs, color: COLORS.other },
      { label: "Nest's RMQ transport, off", value: rmq.parallelProcessUs, color: COLORS.nest },
    ],
  });
}

if (engine !== undefined) {
  const peerColor = { engine: COLORS.ours, amqplib: COLORS.nest, cloudamqp: COLORS.other };
  const rows = engine.rows.flatMap((row) =>
    row.peers.map((p) => ({ label: `${row.label.replace(/, prefetch.*$/, '').slice(0, 30)}: ${p.peer}`, value: p.cpuMsPer10k, color: peerColor[p.peer] ?? COLORS.ceiling })),
  );
  charts['perf-engine-cpu.svg'] = barChart({
    title: 'Engine vs amqplib vs @cloudamqp/amqp-client: client CPU (lower is better)',
    note: `npm run bench, ${engine.runs} runs (median), ${load(engine)}, ${engine.date.slice(0, 10)}`,
    unit: 'ms / 10k msgs',
    digits: 1,
    rows,
  });
}

mkdirSync(outDir, { recursive: true });
for (const [name, svg] of Object.entries(charts)) {
  writeFileSync(join(outDir, name), svg);
  console.log(`wrote ${join(outDir, name)}`);
}

/** The tables of docs/performance.md, from the same data. */
function printTables() {
  const f = (value, digits) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
  const rows = [
    ['RPC, 100 in flight (calls/s)', 'parallelRate', 0, (o, c) => `${f((100 * o) / c, 0)}% of the ceiling`],
    ['RPC sequential p50 (ms)', 'seqP50', 3, (o, c) => `${f(o / c, 2)}x the ceiling`],
    ["this process's CPU per call (µs)", 'parallelProcessUs', 1, (o, c) => `${f(o / c, 2)}x the ceiling`],
    ["the broker's CPU per call (µs)", 'parallelBrokerUs', 1, (o, c) => `${f(o / c, 2)}x the ceiling`],
  ];
  const header = before === undefined ? '| metric | ours (acked) | zero-cost, acked | ratio | Nest RMQ |' : '| metric | before (acked) | after (acked) | zero-cost, acked | after vs ceiling | Nest RMQ |';
  console.log(`\n${header}\n|${header.split('|').slice(2).map(() => '---:|').join('')}`.replace('|---:|', '|---|'));
  for (const [name, key, digits, ratio] of rows) {
    const cells = [name];
    if (before !== undefined) cells.push(f(before.peers.ours[key], digits));
    cells.push(f(ours[key], digits), f(ceilingAcked[key], digits), ratio(ours[key], ceilingAcked[key]), f(rmq[key], digits));
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(`\nnoAck: ${f(noack.parallelRate, 0)} calls/s against the noAck ceiling's ${f(ceilingNoAck.parallelRate, 0)}; ours vs Nest RMQ at 100 in flight: ${f(ours.parallelRate / rmq.parallelRate, 2)}x (noAck ${f(noack.parallelRate / rmq.parallelRate, 2)}x). ${load(nest)}, ${nest.load.end.map((v) => v.toFixed(1)).join(' ')} at the end.`);
  if (before !== undefined) console.log(`before: ${load(before)}, ${before.load.end.map((v) => v.toFixed(1)).join(' ')} at the end.`);
  if (otel !== undefined) {
    console.log(`\ntracing (SDK on, all sampled): ${f(otel.peers.ours.parallelProcessUs, 1)} µs/call against ${f(ours.parallelProcessUs, 1)} off: ${f(otel.peers.ours.parallelProcessUs / ours.parallelProcessUs, 2)}x; ${load(otel)}`);
  }
  if (engine !== undefined) {
    console.log('\n| row | client | msgs/s | CPU ms / 10k msgs | vs leanest peer |\n|---|---|---:|---:|---:|');
    for (const row of engine.rows) {
      for (const p of row.peers) {
        const others = row.peers.filter((q) => q.peer !== p.peer).map((q) => q.cpuMsPer10k);
        console.log(`| ${row.label} | ${p.peer} | ${f(p.rate, 0)} | ${f(p.cpuMsPer10k, 1)} | ${f(p.cpuMsPer10k / Math.min(...others), 2)}x |`);
      }
    }
    console.log(`${load(engine)}, ${engine.load.end.map((v) => v.toFixed(1)).join(' ')} at the end.`);
  }
}
printTables();
