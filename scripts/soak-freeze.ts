/**
 * Soak through frozen links: publish with confirms and consume at a steady rate for SOAK_SECONDS
 * (default 600), both connections through a TCP proxy in front of the broker that freezes (drops
 * every byte both ways, passes on no close) for SOAK_FREEZE_SECONDS (default 10) every
 * SOAK_FREEZE_EVERY seconds (default 120). Heartbeats (SOAK_HEARTBEAT, default 2 s) find the dead
 * link; recovery brings it back once the path heals. Each message carries its number: the soak counts
 * lost (confirmed, never received) and duplicated (received again: at-least-once redeliveries and
 * re-sends), and samples RSS after a GC every 10 s. Exits 1 when anything confirmed was lost or a
 * publish failed for good.
 *
 *   npm run soak:freeze
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { URLParameters } from '../lib/protocol/index.js';
import { RecoveringConnection } from '../lib/protocol/recovery/index.js';
import { deleteQueue } from '../test/support/broker.js';
import { TcpProxy } from '../test/support/tcp-proxy.js';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const rate = Number(process.env.SOAK_RATE ?? 500);
const freezeEvery = Number(process.env.SOAK_FREEZE_EVERY ?? 120);
const freezeSeconds = Number(process.env.SOAK_FREEZE_SECONDS ?? 10);
const heartbeat = Number(process.env.SOAK_HEARTBEAT ?? 2);
const window = 2_000;
const total = Math.round(seconds * rate);

const gc = (globalThis as { gc?: () => void }).gc;
function rssMiB(): number {
  gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

async function main(): Promise<number> {
  const queue = `outage.soak-freeze.${process.pid}.${Date.now().toString(36)}`;
  const proxy = await TcpProxy.start();
  const parameters = new URLParameters(proxy.url()).with({ heartbeat, socketTimeout: 2 });
  const recovery = { initialDelayMs: 100, maxDelayMs: 1_000 };
  const confirmedAt = new Uint8Array(total + 1);
  const receivedCount = new Uint8Array(total + 1);
  let sent = 0;
  let confirmed = 0;
  let received = 0;
  let duplicated = 0;
  let retried = 0;
  let failed = 0;
  let freezes = 0;
  const detections: number[] = [];

  const consumer = await RecoveringConnection.connect(parameters, { recovery });
  const publisher = await RecoveringConnection.connect(parameters, { recovery });
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
    await channel.confirmDelivery();

    const rssStart = rssMiB();
    let rssMax = rssStart;
    console.log(
      `soak:freeze: ${seconds} s at ${rate} msg/s (${total} messages), a ${freezeSeconds} s frozen link every ${freezeEvery} s, ` +
        `heartbeat ${heartbeat} s; RSS at start ${rssStart.toFixed(1)} MiB`,
    );
    const started = Date.now();
    let frozenAt = 0;
    publisher.on('recovering', (cause) => {
      if (frozenAt > 0) detections.push(Date.now() - frozenAt);
      console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: publisher lost its link: ${cause.message}`);
    });
    let stop = false;
    const freezing = (async () => {
      for (let k = 1; !stop; k += 1) {
        const due = started + k * freezeEvery * 1000;
        while (!stop && Date.now() < due) await sleep(Math.min(250, due - Date.now()));
        if (stop) break;
        frozenAt = Date.now();
        proxy.freeze();
        freezes += 1;
        console.log(`  freeze ${k} at ${((frozenAt - started) / 1000).toFixed(0)} s for ${freezeSeconds} s`);
        await sleep(freezeSeconds * 1000);
        proxy.thaw();
        frozenAt = 0;
      }
    })();
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMiB());
    }, 10_000);
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
    await freezing;
    const drainUntil = Date.now() + 60_000;
    while (received < confirmed && Date.now() < drainUntil) await sleep(100);
    await sleep(1_000);
    clearInterval(reporter);
    clearInterval(sampler);

    let lost = 0;
    for (let n = 1; n <= total; n += 1) if (confirmedAt[n] === 1 && receivedCount[n] === 0) lost += 1;
    const rssEnd = rssMiB();
    rssMax = Math.max(rssMax, rssEnd);
    console.log(
      `soak:freeze result: seconds ${((Date.now() - started) / 1000).toFixed(0)}, sent ${sent}, confirmed ${confirmed}, ` +
        `received ${received}, duplicated ${duplicated}, lost ${lost}, failed ${failed}, retried ${retried}, freezes ${freezes}, ` +
        `detected after [${detections.join(', ')}] ms, recoveries publisher ${publisher.recoveries} consumer ${consumer.recoveries}, ` +
        `outage peak ${publisher.outage.peakMessages} messages, RSS start ${rssStart.toFixed(1)} end ${rssEnd.toFixed(1)} max ${rssMax.toFixed(1)} MiB`,
    );
    return lost === 0 && failed === 0 && confirmed === total ? 0 : 1;
  } finally {
    if (proxy.frozen) proxy.thaw();
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await proxy.close();
    await deleteQueue(queue).catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
