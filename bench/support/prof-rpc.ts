/**
 * RPC hot loop for profiling the Nest path: ServerAMQP + ClientAMQP in this one process (as
 * bench/nest.bench.ts starts them), warmed up, then CALLS `send('sum')` calls with IN_FLIGHT
 * outstanding, repeated ROUNDS times. Prints this process's CPU microseconds per call
 * (process.cpuUsage(): client and server together) and calls/s per round, then the medians.
 * CPU per call is the steadier figure on a shared machine.
 *
 *   node --import tsx bench/support/prof-rpc.ts            (NOACK=1: noAck + prefetch 0, as Nest RMQ)
 *   MODE=emit node --import tsx bench/support/prof-rpc.ts  (confirmed `emit('tick')`, up to 1000
 *                                                            unconfirmed, timed until all are handled)
 *   PROFILE=/tmp/rpc.cpuprofile node --import tsx bench/support/prof-rpc.ts
 *
 * PROFILE writes a CPU profile of the measured rounds only (not the start-up and module loading
 * that `--cpu-prof` would mix in). ALLOC writes a sampling heap profile of the same rounds that keeps
 * the objects already collected, so it counts what each function allocates per call (summarise it
 * with `node scripts/perf-profile.mjs alloc <file> <calls>`). ACKS=1 counts the server's basic.ack
 * frames, single and `multiple`, against the deliveries it tracked (is the coalesced ack in use?).
 * FLOOR=1 (with the SDK preloaded) also measures the SDK's own floor after each round
 * (support/otel-floor.ts: the same spans and records, no transport), interleaved with the rounds.
 * CONTEXT=turns (no SDK preloaded) runs each round twice in this one process, first with no context
 * manager, then with the SDK's (AsyncLocalStorage) entered once, disabled again after: what its
 * promise hooks cost the transport's and Nest's own promises, without two processes' noise.
 * Env: AMQP_URL, CALLS=50000, IN_FLIGHT=100, ROUNDS=5, WARMUP=5000.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { ClientAMQP, ServerAMQP } from '../../lib/index.js';
import { ChannelLease } from '../../lib/transport/consume/delivery.js';
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { median } from './median.js';
import { sdkFloorCpuPerCall } from './otel-floor.js';
import { deleteQueues } from './delete-queues.js';
import { callsInFlight, emitUntilHandled, sumModule, type EventCount } from './sum-app.js';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const CALLS = Number(process.env.CALLS ?? 50_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARMUP = Number(process.env.WARMUP ?? 5000);
const NOACK = process.env.NOACK === '1';
const PROFILE = process.env.PROFILE;
const ALLOC = process.env.ALLOC;
/** Bytes between heap samples: small, so that per-call allocations are counted closely. */
const ALLOC_INTERVAL = 512;
const EMIT = process.env.MODE === 'emit';
const EMIT_WINDOW = 1000;
const received: EventCount = { events: 0 };
const ACKS = process.env.ACKS === '1';
const FLOOR = process.env.FLOOR === '1';
const floors: number[] = [];
const CONTEXT_TURNS = process.env.CONTEXT === 'turns';
const withContext: number[] = [];

/** CONTEXT=turns: the same calls again with the SDK's context manager on; CPU µs per call. */
async function contextTurn(client: ClientAMQP): Promise<number> {
  const manager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(manager);
  // Entered once, as the package's first traced delivery would: its promise hooks stay on from here.
  context.with(ROOT_CONTEXT.setValue(createContextKey('prof-rpc'), true), () => undefined);
  const c0 = process.cpuUsage();
  await run(client, CALLS);
  const used = process.cpuUsage(c0);
  manager.disable();
  context.disable();
  return (used.user + used.system) / CALLS;
}
const acks = { tracked: 0, single: 0, multiple: 0 };

/** ACKS=1: counts the deliveries the server tracks and the ack frames its channels send. */
function countAcks(): void {
  const counted = new WeakSet<object>();
  const track = ChannelLease.prototype.track;
  ChannelLease.prototype.track = function (this: ChannelLease, deliveryTag: number): void {
    const channel = this.channel as { basicAck(tag: number, multiple?: boolean): void };
    if (!counted.has(channel)) {
      counted.add(channel);
      const basicAck = channel.basicAck.bind(channel);
      channel.basicAck = (tag: number, multiple?: boolean): void => {
        if (multiple === true) acks.multiple += 1;
        else acks.single += 1;
        basicAck(tag, multiple);
      };
    }
    acks.tracked += 1;
    track.call(this, deliveryTag);
  };
}

const queue = `prof-rpc-${process.pid}-${Date.now().toString(36)}`;

async function start(): Promise<{ server: INestMicroservice; client: ClientAMQP }> {
  const server = await NestFactory.createMicroservice<MicroserviceOptions>(sumModule(received), {
    strategy: new ServerAMQP({
      urls: [URL],
      queue,
      queueOptions: { durable: false, autoDelete: true },
      connectionKey: 'prof-server',
      ...(NOACK ? { noAck: true, prefetchCount: 0 } : {}),
    }),
    logger: ['error'],
  });
  await server.listen();
  const client = new ClientAMQP({
    urls: [URL],
    queue,
    queueOptions: { durable: false, autoDelete: true },
    connectionKey: 'prof-client',
  });
  await client.connect();
  return { server, client };
}

async function run(client: ClientAMQP, calls: number): Promise<void> {
  if (EMIT) await emitUntilHandled(client, received, calls, EMIT_WINDOW);
  else await callsInFlight(client, calls, IN_FLIGHT);
}

async function main(): Promise<void> {
  if (ACKS) countAcks();
  const { server, client } = await start();
  const cpu: number[] = [];
  const rates: number[] = [];
  try {
    await run(client, WARMUP);
    const session = PROFILE === undefined && ALLOC === undefined ? undefined : new Session();
    if (session !== undefined) {
      session.connect();
      if (PROFILE !== undefined) {
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      if (ALLOC !== undefined) {
        await session.post('HeapProfiler.enable');
        await session.post('HeapProfiler.startSampling', {
          samplingInterval: ALLOC_INTERVAL,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: true,
        });
      }
    }
    for (let r = 0; r < ROUNDS; r += 1) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run(client, CALLS);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / CALLS);
      rates.push((CALLS / ms) * 1000);
      console.log(
        `round ${r + 1}: ${cpu.at(-1)?.toFixed(2)} us/${EMIT ? 'event' : 'call'} (user ${(used.user / CALLS).toFixed(2)}, ` +
          `sys ${(used.system / CALLS).toFixed(2)}), ${rates.at(-1)?.toFixed(0)}/s`,
      );
      if (CONTEXT_TURNS) {
        withContext.push(await contextTurn(client));
        console.log(`round ${r + 1}: with the context manager ${withContext.at(-1)?.toFixed(2)} us/call`);
      }
      if (FLOOR) {
        floors.push(await sdkFloorCpuPerCall(CALLS, IN_FLIGHT));
        console.log(`round ${r + 1}: SDK floor ${floors.at(-1)?.toFixed(2)} us/call`);
      }
    }
    if (session !== undefined && PROFILE !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(PROFILE, JSON.stringify(profile));
    }
    if (session !== undefined && ALLOC !== undefined) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(ALLOC, JSON.stringify(profile));
    }
    session?.disconnect();
  } finally {
    await client.close();
    await server.close();
    await deleteQueues(URL, [queue]);
  }
  console.log(
    `${EMIT ? 'emit' : 'rpc'} ${NOACK ? 'noAck' : 'acked'} median: ${median(cpu).toFixed(2)} us/${EMIT ? 'event' : 'call'}, ` +
      `${median(rates).toFixed(0)} ${EMIT ? 'events' : 'calls'}/s`,
  );
  if (CONTEXT_TURNS) {
    const taxes = withContext.map((on, i) => on - (cpu[i] ?? Number.NaN));
    console.log(`with the context manager median: ${median(withContext).toFixed(2)} us/call, ${median(taxes).toFixed(2)} us/call above (median of the rounds' differences)`);
  }
  if (FLOOR) console.log(`SDK floor median: ${median(floors).toFixed(2)} us/call`);
  if (ACKS) {
    console.log(`acks: ${acks.tracked} deliveries tracked, ${acks.single} single ack frames, ${acks.multiple} multiple ack frames`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('prof-rpc failed:', error);
    process.exit(1);
  },
);
