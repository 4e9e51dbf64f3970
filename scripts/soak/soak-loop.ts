/**
 * The loop both soaks share: publish numbered messages with confirms at a steady rate (a bounded
 * window in flight, each retried through recoveries), consume and ack them on another connection,
 * and count what matters: sent, confirmed, received, duplicated (at-least-once redeliveries and
 * re-sends), lost (confirmed, never received) and failed. A soak adds its fault (a forced close, a
 * frozen link) through `fault`, called every `faultEvery` seconds until the publishing is done.
 *
 * Accounting uses two preallocated byte arrays (one slot per message), so the figures themselves do
 * not grow the heap while the soak runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecoveringConnection } from '../../lib/protocol/recovery/index.js';

export interface SoakPlan {
  /** The log prefix and the name of the run: `soak`, `soak:freeze`. */
  name: string;
  seconds: number;
  rate: number;
  /** Publishes allowed in flight (and held through an outage). */
  window: number;
  queue: string;
  publisher: RecoveringConnection;
  consumer: RecoveringConnection;
  faultEvery: number;
  /** Describes the fault in the opening line: "a forced disconnect every 60 s". */
  faultText: string;
  /** The k-th fault (k from 1); resolves when it is over. */
  fault: (k: number, started: number) => Promise<void>;
  /** How long to wait for the last confirmed messages to arrive. */
  drainMs: number;
  /** Extra words for the result line (recoveries, detections ...), asked for at the end. */
  summary?: () => string;
}

const gc = (globalThis as { gc?: () => void }).gc;
/** The process RSS in MiB after a GC (run with --expose-gc). */
export function rssMiB(): number {
  gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

/** Runs the soak; resolves to the exit code: 0 when nothing confirmed was lost and every publish was confirmed. */
export async function runSoak(plan: SoakPlan): Promise<number> {
  const { name, seconds, rate, window, queue, publisher, consumer } = plan;
  const total = Math.round(seconds * rate);
  const confirmedAt = new Uint8Array(total + 1);
  const receivedCount = new Uint8Array(total + 1);
  let sent = 0;
  let confirmed = 0;
  let received = 0;
  let duplicated = 0;
  let retried = 0;
  let failed = 0;

  const consumerChannel = await consumer.channel();
  await consumerChannel.queueDeclare({ queue, durable: false, autoDelete: false });
  await consumerChannel.basicQos({ prefetchCount: 500 });
  await consumerChannel.basicConsume(queue, (channel, method, _properties, body) => {
    const n = Number(body.toString());
    if (receivedCount[n] === 0) received += 1;
    else duplicated += 1;
    receivedCount[n] = Math.min(255, (receivedCount[n] ?? 0) + 1);
    try {
      channel.basicAck(method.deliveryTag);
    } catch {
      // stale after a recovery: the broker redelivers it
    }
  });
  const channel = await publisher.channel();
  await channel.queueDeclare({ queue, durable: false, autoDelete: false });
  await channel.confirmDelivery();

  const rssStart = rssMiB();
  let rssMax = rssStart;
  console.log(`${name}: ${seconds} s at ${rate} msg/s (${total} messages), ${plan.faultText}; RSS at start ${rssStart.toFixed(1)} MiB`);
  const started = Date.now();
  let stop = false;
  const faulting = (async () => {
    for (let k = 1; !stop; k += 1) {
      const due = started + k * plan.faultEvery * 1000;
      while (!stop && Date.now() < due) await sleep(Math.min(250, due - Date.now()));
      if (stop) break;
      await plan.fault(k, started);
    }
  })();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB())), 10_000);
  const reporter = setInterval(() => {
    console.log(
      `  ${((Date.now() - started) / 1000).toFixed(0)} s: sent ${sent}, confirmed ${confirmed}, received ${received}, ` +
        `duplicated ${duplicated}, retried ${retried}, RSS ${rssMiB().toFixed(1)} MiB`,
    );
  }, 30_000);

  const inFlight = new Set<Promise<void>>();
  const retry = { onRetry: () => void (retried += 1) };
  for (let n = 1; n <= total; n += 1) {
    const due = started + (n * 1000) / rate;
    if (due > Date.now() + 5) await sleep(due - Date.now());
    while (inFlight.size >= window) await Promise.race(inFlight);
    const publish: Promise<void> = channel
      .publishWithRetry('', queue, String(n), undefined, undefined, retry)
      .then(
        () => {
          confirmedAt[n] = 1;
          confirmed += 1;
        },
        (error: unknown) => {
          failed += 1;
          if (failed <= 5) console.log(`  publish ${n} failed: ${(error as Error).message}`);
        },
      )
      .finally(() => inFlight.delete(publish));
    inFlight.add(publish);
    sent += 1;
  }
  await Promise.all(inFlight);
  stop = true;
  await faulting;
  const drainUntil = Date.now() + plan.drainMs;
  while (received < confirmed && Date.now() < drainUntil) await sleep(100);
  await sleep(1_000);
  clearInterval(reporter);
  clearInterval(sampler);

  let lost = 0;
  for (let n = 1; n <= total; n += 1) if (confirmedAt[n] === 1 && receivedCount[n] === 0) lost += 1;
  const rssEnd = rssMiB();
  rssMax = Math.max(rssMax, rssEnd);
  console.log(
    `${name} result: seconds ${((Date.now() - started) / 1000).toFixed(0)}, sent ${sent}, confirmed ${confirmed}, ` +
      `received ${received}, duplicated ${duplicated}, lost ${lost}, failed ${failed}, retried ${retried}, ${plan.summary?.() ?? ''}` +
      `recoveries publisher ${publisher.recoveries} consumer ${consumer.recoveries}, ` +
      `RSS start ${rssStart.toFixed(1)} end ${rssEnd.toFixed(1)} max ${rssMax.toFixed(1)} MiB`,
  );
  return lost === 0 && failed === 0 && confirmed === total ? 0 : 1;
}

/** Runs `main` and exits with its code (1 on a throw). */
export function exitWith(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
