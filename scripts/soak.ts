/**
 * Soak: publish + consume at a steady rate through a recovering connection for SOAK_SECONDS (default
 * 600), force-closing a connection every SOAK_FAULT_EVERY seconds (default 60, alternating publisher
 * and consumer). Prints sent, confirmed, received, duplicated, lost (must be 0) and the process RSS at
 * start and end. Exits 1 when anything confirmed was lost or a publish failed for good.
 *
 *   SOAK_SECONDS=180 npm run soak
 *
 * Accounting uses two preallocated byte arrays (one slot per message), so the figures themselves do
 * not grow the heap while the soak runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { URLParameters } from '../lib/protocol/index.js';
import { RecoveringConnection } from '../lib/protocol/recovery/index.js';
import { closeConnection, uniqueName } from '../test/e2e/recovery/broker-control.js';
import { deleteQueue } from '../test/e2e/recovery/publish-through-faults.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const rate = Number(process.env.SOAK_RATE ?? 1000);
const faultEvery = Number(process.env.SOAK_FAULT_EVERY ?? 60);
const window = 1000;
const total = Math.round(seconds * rate);

const gc = (globalThis as { gc?: () => void }).gc;
function rssMiB(): string {
  gc?.();
  return (process.memoryUsage().rss / 1024 / 1024).toFixed(1);
}

async function main(): Promise<number> {
  const queue = uniqueName('soak-q');
  const publisherName = uniqueName('soak-pub');
  const consumerName = uniqueName('soak-con');
  const recovery = { initialDelayMs: 100, maxDelayMs: 2000 };
  const confirmedAt = new Uint8Array(total + 1);
  const receivedCount = new Uint8Array(total + 1);
  let sent = 0;
  let confirmed = 0;
  let received = 0;
  let duplicated = 0;
  let retried = 0;
  let failed = 0;
  let faults = 0;

  const consumer = await RecoveringConnection.connect(
    new URLParameters(url).with({ connectionName: consumerName }),
    { recovery },
  );
  const publisher = await RecoveringConnection.connect(
    new URLParameters(url).with({ connectionName: publisherName }),
    {
      recovery: { ...recovery, publishBuffer: true, outage: { maxMessages: window } },
    },
  );
  try {
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
    console.log(
      `soak: ${seconds} s at ${rate} msg/s (${total} messages), a forced disconnect every ${faultEvery} s; RSS at start ${rssStart} MiB`,
    );
    const started = Date.now();
    let stop = false;
    const faulting = (async () => {
      for (let k = 1; !stop; k += 1) {
        const due = started + k * faultEvery * 1000;
        while (!stop && Date.now() < due) await sleep(Math.min(250, due - Date.now()));
        if (stop) break;
        const target = k % 2 === 1 ? publisherName : consumerName;
        try {
          await closeConnection(target, `soak fault ${k}`);
          faults += 1;
          console.log(
            `  fault ${k}: closed ${k % 2 === 1 ? 'publisher' : 'consumer'} connection at ${((Date.now() - started) / 1000).toFixed(0)} s`,
          );
        } catch (error) {
          console.log(`  fault ${k}: could not close ${target}: ${(error as Error).message}`);
        }
      }
    })();
    const reporter = setInterval(() => {
      const elapsed = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        `  ${elapsed} s: sent ${sent}, confirmed ${confirmed}, received ${received}, duplicated ${duplicated}, retried ${retried}, RSS ${rssMiB()} MiB`,
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
    const drainUntil = Date.now() + 30_000;
    while (received < confirmed && Date.now() < drainUntil) await sleep(100);
    await sleep(500);
    clearInterval(reporter);

    let lost = 0;
    for (let n = 1; n <= total; n += 1) if (confirmedAt[n] === 1 && receivedCount[n] === 0) lost += 1;
    const rssEnd = rssMiB();
    console.log(
      `soak result: seconds ${((Date.now() - started) / 1000).toFixed(0)}, sent ${sent}, confirmed ${confirmed}, received ${received}, ` +
        `duplicated ${duplicated}, lost ${lost}, failed ${failed}, retried ${retried}, forced disconnects ${faults}, ` +
        `recoveries publisher ${publisher.recoveries} consumer ${consumer.recoveries}, RSS start ${rssStart} MiB end ${rssEnd} MiB`,
    );
    return lost === 0 && failed === 0 && confirmed === total ? 0 : 1;
  } finally {
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await deleteQueue(url, queue);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
