/**
 * The engine's consume path for profiling: fills a queue with COUNT 16-byte messages (confirmed,
 * outside the measure), then consumes them with prefetch 1000 and a basic.ack per delivery (the
 * "ack each" row of bench/engine.bench.ts; MULTI=100 acks with `multiple` every 100 instead),
 * ROUNDS times. Prints this process's CPU microseconds per message per round and their median.
 *
 *   node --import tsx bench/support/prof-consume.ts
 *   PROFILE=/tmp/consume.cpuprofile node --import tsx bench/support/prof-consume.ts
 *
 * PROFILE writes a CPU profile of the consuming only (not the fill, start-up or module loading);
 * summarise it with `node scripts/perf-profile.mjs cpu <file>`. ALLOC writes a sampling heap profile
 * of the same (`node scripts/perf-profile.mjs alloc <file> <COUNT x ROUNDS>`).
 * SPLIT=1 also prints user and system CPU apart, and 'consuming' when a measured phase starts (to
 * attach `perf record -p <pid>` to the consuming only; run node with --perf-basic-prof for JS names).
 * The inspector profile samples wall time, so on a loaded machine it blames whatever was descheduled.
 * Env: AMQP_URL, COUNT=50000, ROUNDS=3, MULTI=0.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { Connection, type Channel } from '../../lib/protocol/index.js';
import { median } from './median.js';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const COUNT = Number(process.env.COUNT ?? 50_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MULTI = Number(process.env.MULTI ?? 0);
const PROFILE = process.env.PROFILE;
const ALLOC = process.env.ALLOC;
const SPLIT = process.env.SPLIT === '1';

async function fill(channel: Channel, queue: string): Promise<void> {
  const body = Buffer.alloc(16, 0x62);
  let pending: Array<Promise<void>> = [];
  for (let i = 0; i < COUNT; i++) {
    pending.push(channel.basicPublish('', queue, body));
    if (pending.length === 5000) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  while ((await channel.queueDeclare({ queue, passive: true })).messageCount < COUNT) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Consumes COUNT messages from `queue`; returns this process's CPU microseconds per message. */
async function consume(connection: Connection, queue: string): Promise<number> {
  const channel = await connection.channel();
  await channel.basicQos({ prefetchCount: 1000 });
  if (SPLIT) console.log('consuming');
  const cpu0 = process.cpuUsage();
  let received = 0;
  await new Promise<void>((resolve) => {
    void channel.basicConsume(queue, (ch, method) => {
      received++;
      if (MULTI === 0) ch.basicAck(method.deliveryTag);
      else if (received === COUNT || method.deliveryTag % MULTI === 0) ch.basicAck(method.deliveryTag, true);
      if (received === COUNT) resolve();
    });
  });
  const cpu = process.cpuUsage(cpu0);
  await channel.close();
  if (SPLIT) console.log(`user ${(cpu.user / COUNT).toFixed(2)} us, system ${(cpu.system / COUNT).toFixed(2)} us per message`);
  return (cpu.user + cpu.system) / COUNT;
}

const connection = await Connection.connect(URL);
const setup = await connection.channel();
await setup.confirmDelivery();
const session = new Session();
session.connect();
if (PROFILE !== undefined) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}
if (ALLOC !== undefined) await session.post('HeapProfiler.enable');
const perMessage: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const queue = `bench.prof-consume.${process.pid}.${round}`;
  await setup.queueDeclare({ queue });
  await fill(setup, queue);
  if (PROFILE !== undefined) await session.post('Profiler.start');
  if (ALLOC !== undefined) await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const us = await consume(connection, queue);
  if (PROFILE !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    if (round === ROUNDS - 1) writeFileSync(PROFILE, JSON.stringify(profile));
    else await session.post('Profiler.start').then(() => session.post('Profiler.stop'));
  }
  if (ALLOC !== undefined) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    if (round === ROUNDS - 1) writeFileSync(ALLOC, JSON.stringify(profile));
  }
  await setup.queueDelete({ queue });
  perMessage.push(us);
  console.log(`round ${round + 1}: ${us.toFixed(2)} us CPU per message`);
}
console.log(`median: ${median(perMessage).toFixed(2)} us CPU per message (${COUNT} x ${ROUNDS})`);
session.disconnect();
await connection.close();
