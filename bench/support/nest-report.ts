/**
 * What bench:nest prints (the subjects' table, the broker's ceiling against Nest RMQ) and writes for
 * BENCH_JSON (the medians of the run).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { median } from './median.js';
import type { Ceilings, RoundResult } from './nest-round.js';
import { EVENTS, IN_FLIGHT, PARALLEL_CALLS, PREFETCH, ROUNDS, SEQUENTIAL_CALLS, TRACING, type Peer } from './nest-settings.js';
import type { CeilingResult } from './raw-rpc.js';

/** The medians of the run as data (BENCH_JSON), for scripts/perf-charts.mjs and docs/performance.md. */
export function writeJson(path: string, results: Record<Peer, RoundResult[]>, ceilings: Ceilings, loadAtStart: number[]): void {
  const medians = (rounds: RoundResult[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const key of Object.keys(rounds[0] ?? {}) as Array<keyof RoundResult>) out[key] = median(rounds.map((r) => r[key]));
    return out;
  };
  const ceiling = (rounds: CeilingResult[]): Record<string, number> => ({
    seqP50: median(rounds.map((c) => c.p50)),
    parallelRate: median(rounds.map((c) => c.parallelRate)),
    parallelBrokerUs: median(rounds.map((c) => c.brokerUsPerCall ?? Number.NaN)),
    parallelProcessUs: median(rounds.map((c) => c.processUsPerCall)),
  });
  const data = {
    kind: 'nest',
    date: new Date().toISOString(),
    node: process.version,
    tracing: process.env.BENCH_TRACING ?? 'off',
    rounds: ROUNDS,
    calls: { sequential: SEQUENTIAL_CALLS, parallel: PARALLEL_CALLS, inFlight: IN_FLIGHT, events: EVENTS },
    load: { start: loadAtStart, end: loadavg() },
    peers: { ours: medians(results.ours), noack: medians(results.noack), nest: medians(results.nest) },
    ceiling: { noAck: ceiling(ceilings.noAck), acked: ceiling(ceilings.acked) },
    nestPlumbingUs: median(ceilings.nestPlumbingUs),
    ...(TRACING ? { sdkFloorUs: median(ceilings.sdkFloorUs) } : {}),
  };
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

export function printTable(results: Record<Peer, RoundResult[]>, labels: Record<Peer, string>): void {
  const rows: Array<{
    name: string;
    pick: (r: RoundResult) => number;
    unit: string;
    lowerIsBetter: boolean;
    digits: number;
  }> = [
    {
      name: 'floor: bare library request/reply p50, no Nest',
      pick: (r) => r.floorP50,
      unit: 'ms',
      lowerIsBetter: true,
      digits: 3,
    },
    { name: 'RPC sequential p50', pick: (r) => r.seqP50, unit: 'ms', lowerIsBetter: true, digits: 3 },
    { name: 'RPC sequential p99', pick: (r) => r.seqP99, unit: 'ms', lowerIsBetter: true, digits: 3 },
    { name: 'RPC sequential', pick: (r) => r.seqRate, unit: 'calls/s', lowerIsBetter: false, digits: 0 },
    {
      name: `RPC ${IN_FLIGHT} in flight`,
      pick: (r) => r.parallelRate,
      unit: 'calls/s',
      lowerIsBetter: false,
      digits: 0,
    },
    {
      name: `RPC ${IN_FLIGHT} in flight: CPU of this process (client + server app)`,
      pick: (r) => r.parallelProcessUs,
      unit: 'us/call',
      lowerIsBetter: true,
      digits: 1,
    },
    {
      name: `RPC ${IN_FLIGHT} in flight: CPU of the broker`,
      pick: (r) => r.parallelBrokerUs,
      unit: 'us/call',
      lowerIsBetter: true,
      digits: 1,
    },
    {
      name: 'events (emit, confirmed, until handled)',
      pick: (r) => r.eventRate,
      unit: 'events/s',
      lowerIsBetter: false,
      digits: 0,
    },
  ];
  console.log(
    `\nNest transports, ${ROUNDS} rotating rounds (median); client and server apps in ONE Node process ` +
      `(one event loop, a connection each), the broker on the same machine (2 cores shared); ` +
      `sequential ${SEQUENTIAL_CALLS} calls, ${PARALLEL_CALLS} calls with ${IN_FLIGHT} in flight, ${EVENTS} events.\n` +
      `ours: ServerAMQP as it ships (each message acked after its reply / handler, prefetch ${PREFETCH ?? '100 (default)'}); ` +
      `ours noAck: noAck + prefetch 0, Nest RMQ's defaults; Nest RMQ: its defaults (noAck, prefetch 0). ` +
      `Events: confirmed on both sides (ClientAMQP's confirm channel; ClientRMQ's amqp-connection-manager confirm channel). ` +
      `RPC requests: ours unconfirmed, ClientRMQ's on that confirm channel.\n`,
  );
  console.log(`| metric | ${labels.ours} | ${labels.noack} | ${labels.nest} | ours vs Nest | ours noAck vs Nest |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const value = (peer: Peer): string => median(results[peer].map(row.pick)).toFixed(row.digits);
    const ratio = (peer: Peer): string => {
      const ratios = results[peer].map((r, i) => {
        const theirs = results.nest[i];
        if (theirs === undefined) return Number.NaN;
        return row.lowerIsBetter ? row.pick(theirs) / row.pick(r) : row.pick(r) / row.pick(theirs);
      });
      const r = median(ratios);
      return row.lowerIsBetter ? `${r.toFixed(2)}x lower` : `${r.toFixed(2)}x`;
    };
    console.log(
      `| ${row.name} (${row.unit}) | ${value('ours')} | ${value('noack')} | ${value('nest')} | ${ratio('ours')} | ${ratio('noack')} |`,
    );
  }
}

/**
 * What the broker allows any transport here: the zero-cost client and server of raw-rpc.ts, noAck
 * (Nest RMQ's delivery semantics) and acked (prefetch 100, one `multiple` ack per read, as ServerAMQP
 * ships), and the goal's two targets set against them.
 */
export function printCeiling(ceilings: Ceilings, results: Record<Peer, RoundResult[]>): void {
  const nestP50 = median(results.nest.map((r) => r.seqP50));
  const nestRate = median(results.nest.map((r) => r.parallelRate));
  const sides = [ceilings.noAck, ceilings.acked].map((rounds) => ({
    p50: median(rounds.map((c) => c.p50)),
    rate: median(rounds.map((c) => c.parallelRate)),
    broker: median(rounds.map((c) => c.brokerUsPerCall ?? Number.NaN)),
    own: median(rounds.map((c) => c.processUsPerCall)),
  }));
  const [noAck, acked] = sides as [(typeof sides)[0], (typeof sides)[0]];
  console.log(
    `\nThe broker's ceiling: a client and server that cost almost nothing (pre-encoded frames written ` +
      `straight to the socket, deliveries found by frame header), same queue + direct reply-to; ` +
      `noAck as Nest RMQ, acked as ServerAMQP ships (prefetch 100, one multiple ack per read).\n`,
  );
  console.log('| metric | zero-cost, noAck | zero-cost, acked | Nest RMQ | noAck ceiling vs Nest | acked ceiling vs Nest |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(
    `| RPC sequential p50 (ms) | ${noAck.p50.toFixed(3)} | ${acked.p50.toFixed(3)} | ${nestP50.toFixed(3)} | ` +
      `${(nestP50 / noAck.p50).toFixed(2)}x lower | ${(nestP50 / acked.p50).toFixed(2)}x lower |`,
  );
  console.log(
    `| RPC ${IN_FLIGHT} in flight (calls/s) | ${noAck.rate.toFixed(0)} | ${acked.rate.toFixed(0)} | ${nestRate.toFixed(0)} | ` +
      `${(noAck.rate / nestRate).toFixed(2)}x | ${(acked.rate / nestRate).toFixed(2)}x |`,
  );
  console.log(`| broker CPU at ${IN_FLIGHT} in flight (us/call) | ${noAck.broker.toFixed(1)} | ${acked.broker.toFixed(1)} | | | |`);
  console.log(`| this process's CPU at ${IN_FLIGHT} in flight (us/call) | ${noAck.own.toFixed(1)} | ${acked.own.toFixed(1)} | | | |`);
  const plumbing = median(ceilings.nestPlumbingUs);
  const ours = median(results.ours.map((r) => r.parallelProcessUs));
  console.log(
    `\nNest's own plumbing (loopback transport, no broker, no bytes): ${plumbing.toFixed(1)} us/call. ` +
      `Zero-cost acked + Nest plumbing = ${(acked.own + plumbing).toFixed(1)} us/call, ${((acked.own + plumbing) / acked.own).toFixed(2)}x the zero-cost client: ` +
      `the least a Nest transport's process can spend here. Ours (acked): ${ours.toFixed(1)} us/call = ${(ours / acked.own).toFixed(2)}x the zero-cost client, ` +
      `${(ours - acked.own - plumbing).toFixed(1)} us/call above that least (engine, transport layer, JSON).`,
  );
  console.log(
    `\nGoal check: 3x Nest RMQ's ${IN_FLIGHT}-in-flight rate is ${(3 * nestRate).toFixed(0)} calls/s; the ceilings ` +
      `are ${noAck.rate.toFixed(0)} (noAck) and ${acked.rate.toFixed(0)} (acked). Half Nest RMQ's p50 is ` +
      `${(nestP50 / 2).toFixed(3)} ms; the ceilings' p50 are ${noAck.p50.toFixed(3)} and ${acked.p50.toFixed(3)} ms.`,
  );
}
