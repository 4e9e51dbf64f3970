/**
 * Engine benchmark: this engine, amqplib and @cloudamqp/amqp-client against the real broker, side by
 * side in one run. Every (row, peer) runs in its own forked process on a fresh queue, deleted after;
 * consume rows start from a queue prefilled outside the timed region. Reports msgs/s and the client's
 * CPU ms per 10k messages (process.cpuUsage over the timed region), the median of BENCH_RUNS runs, with
 * ratios against the best peer of the row and the spread of the runs (the broker and the cores are
 * shared: throughput is noisy, the CPU column much less so).
 *
 * Run: npm run bench   (AMQP_URL, BENCH_RUNS=3, BENCH_SCALE=1 to shrink counts, BENCH_PEERS=engine,amqplib, BENCH_ROWS=KiB,consume,
 * BENCH_JSON=path also writes the medians as JSON for scripts/perf-charts.mjs)
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Connection, type Channel } from '../lib/protocol/index.js';
import type { PeerName, Task } from './support/engine-peers.js';
import type { WorkerResult } from './support/engine-worker.js';

const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/%2F';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ALL_PEERS: PeerName[] = ['engine', 'amqplib', 'cloudamqp'];
const PEERS = (process.env.BENCH_PEERS?.split(',') as PeerName[] | undefined) ?? ALL_PEERS;
const WORKER = fileURLToPath(new URL('./support/engine-worker.ts', import.meta.url));

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Row {
  label: string;
  task: Omit<Task, 'queue'>;
}

const base = { prefetch: 1000, ackEvery: 100, window: 1000 };
const N = Math.round(200_000 * SCALE);
const BIG = Math.round(20_000 * SCALE);
const ALL_ROWS: Row[] = [
  { label: `publish ${fmt(N)} x 16 B`, task: { ...base, kind: 'publish', count: N, size: 16 } },
  {
    label: `publish ${fmt(N)} x 16 B, confirms (pipelined, window ${base.window})`,
    task: { ...base, kind: 'publish-confirm', count: N, size: 16 },
  },
  { label: `publish ${fmt(BIG)} x 64 KiB`, task: { ...base, kind: 'publish', count: BIG, size: 65536 } },
  {
    label: `consume ${fmt(N)}, prefetch ${base.prefetch}, ack each`,
    task: { ...base, kind: 'consume-ack', count: N, size: 16 },
  },
  {
    label: `consume ${fmt(N)}, prefetch ${base.prefetch}, multiple-ack every ${base.ackEvery}`,
    task: { ...base, kind: 'consume-multi', count: N, size: 16 },
  },
];

/** BENCH_ROWS=publish,consume keeps the rows whose label contains one of the words. */
const ROWS = ALL_ROWS.filter(
  (row) => process.env.BENCH_ROWS?.split(',').some((w) => row.label.includes(w)) ?? true,
);

function runWorker(peer: PeerName, task: Task): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [peer, BROKER_URL, JSON.stringify(task)], { execArgv: ['--import', 'tsx'] });
    let settled = false;
    child.on('message', (m: { ok: boolean; result?: WorkerResult; error?: string }) => {
      settled = true;
      if (m.ok && m.result !== undefined) resolve(m.result);
      else reject(new Error(`${peer}: ${m.error ?? 'no result'}`));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${peer} worker exited with ${code} before reporting`));
    });
  });
}

/** Fills `queue` with `count` messages of `size` bytes (confirmed, so they are all there). */
async function prefill(channel: Channel, queue: string, count: number, size: number): Promise<void> {
  const body = Buffer.alloc(size, 0x62);
  let pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    pending.push(channel.basicPublish('', queue, body));
    if (pending.length === 5000) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  // every message counted in the queue, then a moment for the broker to settle before the timed run
  while ((await channel.queueDeclare({ queue, passive: true })).messageCount < count) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The setup side (declare, prefill, delete): reopened when the broker or a neighbour closed it. */
class Setup {
  private connection: Connection | undefined;
  private channel: Channel | undefined;

  async get(): Promise<Channel> {
    if (this.channel?.isOpen === true) return this.channel;
    if (this.connection?.isOpen !== true) {
      this.connection = await Connection.connect(BROKER_URL);
      this.connection.addOnCloseCallback((_c, error) => {
        if (error !== undefined) process.stderr.write(`setup connection closed: ${error.message}\n`);
      });
    }
    this.channel = await this.connection.channel();
    await this.channel.confirmDelivery();
    return this.channel;
  }

  async close(): Promise<void> {
    if (this.connection?.isOpen === true) await this.connection.close();
  }
}

/** One (row, peer) run on a fresh queue, deleted afterwards; throws what went wrong. */
async function measureOnce(setup: Setup, row: Row, peer: PeerName, queue: string): Promise<WorkerResult> {
  await (await setup.get()).queueDeclare({ queue });
  try {
    if (row.task.kind.startsWith('consume'))
      await prefill(await setup.get(), queue, row.task.count, row.task.size);
    return await runWorker(peer, { ...row.task, queue });
  } finally {
    await (await setup.get()).queueDelete({ queue });
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  const setup = new Setup();
  const results = new Map<string, { rate: number[]; cpu: number[] }>();
  let serial = 0;
  for (let run = 0; run < RUNS; run++) {
    for (const row of ROWS) {
      // rotate the order each run so no peer always goes first (cold broker) or last
      const order = PEERS.map((_, i) => PEERS[(i + run) % PEERS.length]!);
      for (const peer of order) {
        let r: WorkerResult | undefined;
        // the broker is shared: a run disturbed from outside (alarm, restart) is retried after a pause
        for (let attempt = 1; r === undefined; attempt++) {
          try {
            r = await measureOnce(setup, row, peer, `bench.engine.${process.pid}.${serial++}`);
          } catch (error) {
            process.stderr.write(`run ${run + 1} ${row.label} ${peer} failed: ${(error as Error).message}\n`);
            if (attempt === 12) throw error;
            await new Promise((resolve) => setTimeout(resolve, 5000));
          }
        }
        const key = `${row.label}|${peer}`;
        const entry = results.get(key) ?? { rate: [], cpu: [] };
        entry.rate.push(row.task.count / (r.ms / 1000));
        entry.cpu.push(r.cpuMs / (row.task.count / 10_000));
        results.set(key, entry);
        process.stderr.write(
          `run ${run + 1}/${RUNS} ${row.label} ${peer}: ${fmt(row.task.count / (r.ms / 1000))} msgs/s\n`,
        );
      }
    }
  }
  await setup.close();

  const lines = [
    `Engine benchmark: ${RUNS} run(s), median; node ${process.version}; broker ${BROKER_URL.replace(/\/\/[^@]*@/, '//')}`,
    '',
    '| row | client | msgs/s | vs fastest | msgs/s min-max | CPU ms / 10k msgs | vs leanest |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  const json: Array<{ label: string; peers: Array<{ peer: string; rate: number; cpuMsPer10k: number }> }> = [];
  for (const row of ROWS) {
    const stats = PEERS.map((peer) => {
      const entry = results.get(`${row.label}|${peer}`)!;
      const range = `${fmt(Math.min(...entry.rate))}-${fmt(Math.max(...entry.rate))}`;
      return { peer, rate: median(entry.rate), cpu: median(entry.cpu), range };
    });
    json.push({ label: row.label, peers: stats.map((s) => ({ peer: s.peer, rate: s.rate, cpuMsPer10k: s.cpu })) });
    const fastest = Math.max(...stats.map((s) => s.rate));
    const leanest = Math.min(...stats.map((s) => s.cpu));
    for (const s of stats) {
      lines.push(
        `| ${row.label} | ${s.peer} | ${fmt(s.rate)} | ${fmt(s.rate / fastest, 2)} | ${s.range} | ${fmt(s.cpu, 1)} | ${fmt(s.cpu / leanest, 2)} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  if (process.env.BENCH_JSON !== undefined) {
    const data = { kind: 'engine', date: new Date().toISOString(), node: process.version, runs: RUNS, load: { start: loadAtStart, end: loadavg() }, rows: json };
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(data, null, 2)}\n`);
  }
}

await main();
