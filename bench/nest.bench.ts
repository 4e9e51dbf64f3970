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
 * This file runs the rounds; the rest is in bench/support: nest-settings.ts (the environment's
 * settings, the subjects' names), nest-subjects.ts (starting and stopping each subject),
 * nest-round.ts (one round's measurements) with library-floor.ts (the floor), nest-report.ts (the
 * tables printed and the BENCH_JSON data) and wait-for-broker.ts; sum-app.ts (the Nest app and its
 * loads), raw-rpc.ts and nest-loopback.ts as above, and otel-floor.ts (the SDK's floor, with
 * BENCH_TRACING=sdk).
 *
 * Run: npm run bench:nest   (AMQP_URL, BENCH_ROUNDS=3, BENCH_SCALE=1 scales the counts,
 * BENCH_PREFETCH sets ServerAMQP's prefetch, BENCH_JSON=path also writes the medians as JSON for
 * scripts/perf-charts.mjs, with the load average at the start and the end)
 */
import 'reflect-metadata';
import { loadavg } from 'node:os';
import { deleteQueues } from './support/delete-queues.js';
import { median } from './support/median.js';
import { loopbackCpuPerCall, startLoopback } from './support/nest-loopback.js';
import { printCeiling, printTable, writeJson } from './support/nest-report.js';
import { round, type Ceilings, type RoundResult } from './support/nest-round.js';
import { IN_FLIGHT, PARALLEL_CALLS, PEERS, ROUNDS, SEQUENTIAL_CALLS, TRACING, AMQP_URL, type Peer } from './support/nest-settings.js';
import { start, stop } from './support/nest-subjects.js';
import { printFloor, sdkFloorCpuPerCall } from './support/otel-floor.js';
import { rpcCeiling } from './support/raw-rpc.js';
import { callSum } from './support/sum-app.js';
import { waitForBroker } from './support/wait-for-broker.js';

async function main(): Promise<void> {
  const loadAtStart = loadavg();
  await waitForBroker(AMQP_URL);
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
        const ceiling = await rpcCeiling(AMQP_URL, {
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
    await deleteQueues(AMQP_URL, Object.values(subjects).map((subject) => subject.queue));
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:nest failed:', error);
    process.exit(1);
  },
);
