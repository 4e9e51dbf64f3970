/**
 * Nest transport benchmark: ServerAMQP + ClientAMQP (this package) against Nest's built-in RMQ
 * transport (ServerRMQ + ClientRMQ over amqplib / amqp-connection-manager), side by side in one run
 * against the real broker.
 *
 *   floor            the same request/reply with the bare library under each transport (our
 *                    engine with recovery; amqplib), no Nest: the latency no transport on it can beat
 *   rpc sequential   one `send('sum')` at a time: p50 / p99 latency and calls/s
 *   rpc 100 in flight 100 outstanding `send('sum')` calls at all times: calls/s
 *   events           `emit()` with up to 1000 unconfirmed at a time, timed until the server handled
 *                    every one: events/s
 *   CPU per call     at 100 in flight, this process's CPU (client and server app together) and the
 *                    broker's (read from /proc), in µs per call: the broker shares the 2 cores
 *   ceiling          the same request/reply by a client and server that cost almost nothing
 *                    (support/raw-rpc.ts): what the broker on this machine allows any transport
 *   Nest plumbing    the same calls through a loopback Nest transport with no broker and no bytes
 *                    (support/nest-loopback.ts): the CPU per call Nest's own client and handler
 *                    pipeline cost any Nest transport, on top of the ceiling's
 *
 * Three subjects: ours as it ships (each message acked after its handler / reply, at least once,
 * prefetch 100 on the default queue); ours with Nest RMQ's delivery semantics (noAck, prefetch 0),
 * the like-for-like comparison; and Nest's RMQ transport with its defaults (noAck: the broker forgets
 * a message once sent; unlimited prefetch). Events are confirmed on both sides (ClientAMQP's confirm
 * channel; ClientRMQ publishes on amqp-connection-manager's confirm channel, its RPC requests too).
 * Each client and its server live in this one process (one event loop), on their own fresh queues
 * (deleted after). Rounds rotate the order so all see the same machine state; the table gives the
 * median round and the median of the per-round ratios against Nest RMQ.
 *
 * Run: npm run bench:nest   (AMQP_URL, BENCH_ROUNDS=3, BENCH_SCALE=1 scales the counts,
 * BENCH_PREFETCH sets ServerAMQP's prefetch, BENCH_JSON=path also writes the medians as JSON for
 * scripts/perf-charts.mjs, with the load average at the start and the end)
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { loadavg } from 'node:os';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import amqplib from 'amqplib';
import { ClientAMQP, ServerAMQP } from '../lib/index.js';
import { RecoveringConnection } from '../lib/protocol/recovery/index.js';
import { brokerCpuMs, processCpuMs } from './support/broker-cpu.js';
import { deleteQueues } from './support/delete-queues.js';
import { loopbackCpuPerCall, startLoopback } from './support/nest-loopback.js';
import { rpcCeiling, type CeilingResult } from './support/raw-rpc.js';
import { printFloor, sdkFloorCpuPerCall } from './support/otel-floor.js';
import { median } from './support/median.js';
import { callSum, callsInFlight, emitUntilHandled, sumModule, type BenchClient } from './support/sum-app.js';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SEQUENTIAL_CALLS = Math.max(50, Math.round(2000 * SCALE));
const PARALLEL_CALLS = Math.max(200, Math.round(20_000 * SCALE));
const IN_FLIGHT = 100;
const EVENTS = Math.max(500, Math.round(20_000 * SCALE));
const EVENT_WINDOW = 1000;
/** ServerAMQP's prefetch on the default queue (its default is 100); BENCH_PREFETCH overrides it. */
const PREFETCH = process.env.BENCH_PREFETCH === undefined ? undefined : Number(process.env.BENCH_PREFETCH);
/** The SDK registered (bench:nest:otel): each round also measures the SDK's own floor (support/otel-floor.ts). */
const TRACING = process.env.BENCH_TRACING === 'sdk';

type Peer = 'ours' | 'noack' | 'nest';
const PEERS: Peer[] = ['ours', 'noack', 'nest'];


interface Subject {
  peer: Peer;
  label: string;
  server: INestMicroservice;
  client: BenchClient;
  received: { events: number };
  queue: string;
}

interface RoundResult {
  /** The same request/reply with the bare client library under the transport (no Nest): the floor. */
  floorP50: number;
  seqP50: number;
  seqP99: number;
  seqRate: number;
  parallelRate: number;
  /** This process's CPU (client and server app together) per call at 100 in flight, µs. */
  parallelProcessUs: number;
  /** The broker's CPU per call at 100 in flight, µs (NaN where /proc cannot be read). */
  parallelBrokerUs: number;
  eventRate: number;
}

async function start(peer: Peer): Promise<Subject> {
  const queue = `bench-nest-${peer}-${process.pid}-${Date.now().toString(36)}`;
  const received = { events: 0 };
  // 'noack': ServerAMQP with Nest RMQ's delivery semantics (noAck, unlimited prefetch), like for like.
  const ours = peer === 'ours' ? (PREFETCH === undefined ? {} : { prefetchCount: PREFETCH }) : { noAck: true, prefetchCount: 0 };
  const options: MicroserviceOptions =
    peer === 'nest'
      ? { transport: Transport.RMQ, options: { urls: [URL], queue, queueOptions: { durable: false } } }
      : {
          strategy: new ServerAMQP({
            urls: [URL],
            queue,
            queueOptions: { durable: false },
            connectionKey: `bench-server-${peer}`,
            ...ours,
          }),
        };
  const server = await NestFactory.createMicroservice<MicroserviceOptions>(sumModule(received), {
    ...options,
    logger: ['error'],
  });
  await server.listen();
  const client: BenchClient =
    peer === 'nest'
      ? new ClientRMQ({ urls: [URL], queue, queueOptions: { durable: false } })
      : new ClientAMQP({
          urls: [URL],
          queue,
          queueOptions: { durable: false },
          connectionKey: `bench-client-${peer}`,
        });
  await client.connect();
  const label = { ours: 'ours (acked, prefetch 100)', noack: 'ours, noAck (as Nest)', nest: 'Nest RMQ (amqplib)' }[peer];
  return { peer, label, server, client, received, queue };
}

async function stop(subject: Subject): Promise<void> {
  await subject.client.close();
  await subject.server.close();
}


async function sequential(client: BenchClient): Promise<{ p50: number; p99: number; rate: number }> {
  const latencies = new Float64Array(SEQUENTIAL_CALLS);
  const started = performance.now();
  for (let i = 0; i < SEQUENTIAL_CALLS; i += 1) {
    const t0 = performance.now();
    await callSum(client, i);
    latencies[i] = performance.now() - t0;
  }
  const elapsed = performance.now() - started;
  latencies.sort();
  return {
    p50: latencies[Math.floor(SEQUENTIAL_CALLS * 0.5)] ?? 0,
    p99: latencies[Math.min(SEQUENTIAL_CALLS - 1, Math.floor(SEQUENTIAL_CALLS * 0.99))] ?? 0,
    rate: (SEQUENTIAL_CALLS / elapsed) * 1000,
  };
}

async function parallel(client: BenchClient): Promise<{ rate: number; processUs: number; brokerUs: number }> {
  const brokerBefore = brokerCpuMs();
  const processBefore = processCpuMs();
  const started = performance.now();
  await callsInFlight(client, PARALLEL_CALLS, IN_FLIGHT);
  const rate = (PARALLEL_CALLS / (performance.now() - started)) * 1000;
  const processUs = ((processCpuMs() - processBefore) * 1000) / PARALLEL_CALLS;
  const brokerAfter = brokerCpuMs();
  const brokerUs =
    brokerBefore === undefined || brokerAfter === undefined
      ? Number.NaN
      : ((brokerAfter - brokerBefore) * 1000) / PARALLEL_CALLS;
  return { rate, processUs, brokerUs };
}

async function events(subject: Subject): Promise<number> {
  const started = performance.now();
  await emitUntilHandled(subject.client, subject.received, EVENTS, EVENT_WINDOW);
  return (EVENTS / (performance.now() - started)) * 1000;
}

/**
 * Sequential request/reply over direct reply-to with the library under each transport and no Nest
 * (ours: the engine with recovery, as the Nest layer uses it; Nest's: amqplib): what no Nest
 * transport built on it can beat.
 */
async function floorP50(peer: 'ours' | 'nest'): Promise<number> {
  const calls = Math.max(50, Math.round(SEQUENTIAL_CALLS / 2));
  const latencies: number[] = [];
  let wake: (() => void) | undefined;
  const roundTrip = async (send: () => void): Promise<void> => {
    const t0 = performance.now();
    const replied = new Promise<void>((resolve) => (wake = resolve));
    send();
    await replied;
    latencies.push(performance.now() - t0);
  };
  if (peer === 'ours') {
    const server = await RecoveringConnection.connect(URL);
    const client = await RecoveringConnection.connect(URL);
    const serverChannel = await server.channel();
    const clientChannel = await client.channel();
    const { queue } = await serverChannel.queueDeclare({ queue: '', exclusive: true });
    await serverChannel.basicConsume(
      queue,
      (_c, _m, p, body) => {
        void serverChannel.basicPublish('', p.replyTo ?? '', body, { correlationId: p.correlationId });
      },
      { autoAck: true },
    );
    await clientChannel.basicConsume('amq.rabbitmq.reply-to', () => wake?.(), { autoAck: true });
    const properties = { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c' };
    for (let i = 0; i < calls; i += 1)
      await roundTrip(() => void clientChannel.basicPublish('', queue, '[1,2,3]', properties));
    await client.close();
    await server.close();
  } else {
    const server = await amqplib.connect(URL);
    const client = await amqplib.connect(URL);
    const serverChannel = await server.createChannel();
    const clientChannel = await client.createChannel();
    const { queue } = await serverChannel.assertQueue('', { exclusive: true });
    await serverChannel.consume(
      queue,
      (m) => {
        if (m !== null)
          serverChannel.sendToQueue(m.properties.replyTo as string, m.content, {
            correlationId: m.properties.correlationId as string,
          });
      },
      { noAck: true },
    );
    await clientChannel.consume('amq.rabbitmq.reply-to', () => wake?.(), { noAck: true });
    const body = Buffer.from('[1,2,3]');
    const options = { replyTo: 'amq.rabbitmq.reply-to', correlationId: 'c' };
    for (let i = 0; i < calls; i += 1)
      await roundTrip(() => void clientChannel.sendToQueue(queue, body, options));
    await client.close();
    await server.close();
  }
  return median(latencies);
}

async function round(subject: Subject): Promise<RoundResult> {
  const floor = await floorP50(subject.peer === 'nest' ? 'nest' : 'ours');
  const seq = await sequential(subject.client);
  const par = await parallel(subject.client);
  const eventRate = await events(subject);
  return {
    floorP50: floor,
    seqP50: seq.p50,
    seqP99: seq.p99,
    seqRate: seq.rate,
    parallelRate: par.rate,
    parallelProcessUs: par.processUs,
    parallelBrokerUs: par.brokerUs,
    eventRate,
  };
}

/** Waits (up to a minute) for the broker's port: a neighbour's test may be restarting it. */
async function waitForBroker(): Promise<void> {
  const { hostname, port } = new globalThis.URL(URL);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: hostname, port: Number(port || 5672) });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`no broker at ${hostname}:${port} for a minute`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  await waitForBroker();
  const subjects = { ours: await start('ours'), noack: await start('noack'), nest: await start('nest') };
  const results: Record<Peer, RoundResult[]> = { ours: [], noack: [], nest: [] };
  const ceilings: Ceilings = { noAck: [], acked: [], nestPlumbingUs: [], sdkFloorUs: [] };
  const loopback = await startLoopback();
  try {
    // Warm-up: JIT, connections, channels, the broker's queue processes.
    for (const subject of Object.values(subjects)) {
      for (let i = 0; i < 300; i += 1) await callSum(subject.client, i);
    }
    for (let r = 0; r < ROUNDS; r += 1) {
      for (const ack of [false, true]) {
        const ceiling = await rpcCeiling(URL, {
          sequentialCalls: SEQUENTIAL_CALLS,
          parallelCalls: PARALLEL_CALLS,
          inFlight: IN_FLIGHT,
          ack,
        });
        (ack ? ceilings.acked : ceilings.noAck).push(ceiling);
        console.error(
          `round ${r + 1} ceiling ${ack ? 'acked' : 'noAck'}: p50 ${ceiling.p50.toFixed(3)} ms, ` +
            `100 in flight ${ceiling.parallelRate.toFixed(0)}/s, broker ${ceiling.brokerUsPerCall?.toFixed(1) ?? '?'} us/call, ` +
            `this process ${ceiling.processUsPerCall.toFixed(1)} us/call`,
        );
      }
      const plumbing = await loopbackCpuPerCall(loopback.client, PARALLEL_CALLS, IN_FLIGHT);
      ceilings.nestPlumbingUs.push(plumbing);
      console.error(`round ${r + 1} Nest plumbing, no broker: ${plumbing.toFixed(1)} us/call`);
      if (TRACING) {
        ceilings.sdkFloorUs.push(await sdkFloorCpuPerCall(PARALLEL_CALLS, IN_FLIGHT));
        console.error(`round ${r + 1} SDK floor, no transport: ${ceilings.sdkFloorUs.at(-1)?.toFixed(1)} us/call`);
      }
      // Rotating order, so that no transport always runs first or last in a round.
      for (let k = 0; k < PEERS.length; k += 1) {
        const peer = PEERS[(r + k) % PEERS.length] as Peer;
        const result = await round(subjects[peer]);
        results[peer].push(result);
        console.error(
          `round ${r + 1} ${peer}: floor p50 ${result.floorP50.toFixed(3)} ms, p50 ${result.seqP50.toFixed(3)} ms, p99 ${result.seqP99.toFixed(3)} ms, ` +
            `seq ${result.seqRate.toFixed(0)}/s, 100 in flight ${result.parallelRate.toFixed(0)}/s, events ${result.eventRate.toFixed(0)}/s`,
        );
      }
    }
  } finally {
    await loopback.app.close();
    for (const subject of Object.values(subjects)) await stop(subject);
    await deleteQueues(URL, Object.values(subjects).map((subject) => subject.queue));
  }
  printTable(results, {
    ours: subjects.ours.label,
    noack: subjects.noack.label,
    nest: subjects.nest.label,
  });
  printCeiling(ceilings, results);
  if (TRACING) printFloor(median(ceilings.sdkFloorUs), median(results.ours.map((r) => r.parallelProcessUs)));
  if (process.env.BENCH_JSON !== undefined) writeJson(process.env.BENCH_JSON, results, ceilings, loadAtStart);
}

/** The medians of the run as data (BENCH_JSON), for scripts/perf-charts.mjs and docs/performance.md. */
function writeJson(path: string, results: Record<Peer, RoundResult[]>, ceilings: Ceilings, loadAtStart: number[]): void {
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

function printTable(results: Record<Peer, RoundResult[]>, labels: Record<Peer, string>): void {
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

/** The zero-cost client and server's rounds, without and with acks, and Nest's own plumbing per round. */
interface Ceilings {
  noAck: CeilingResult[];
  acked: CeilingResult[];
  /** CPU per call of the loopback Nest transport (no broker), µs. */
  nestPlumbingUs: number[];
  /** With the SDK registered: its own CPU per call for one RPC call's spans and records, no transport (µs). */
  sdkFloorUs: number[];
}

/**
 * What the broker allows any transport here: the zero-cost client and server of raw-rpc.ts, noAck
 * (Nest RMQ's delivery semantics) and acked (prefetch 100, one `multiple` ack per read, as ServerAMQP
 * ships), and the goal's two targets set against them.
 */
function printCeiling(ceilings: Ceilings, results: Record<Peer, RoundResult[]>): void {
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:nest failed:', error);
    process.exit(1);
  },
);
