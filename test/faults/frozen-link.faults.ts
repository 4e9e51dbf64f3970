/**
 * A frozen link that takes nothing: the TCP proxy stops reading (`freeze({ stall: true })`), so the
 * client's writes stop making progress and no FIN or RST ever comes. Heartbeat 60 s, and 3,000
 * ClientAMQP.emit calls of 100 KB made on it while it looks connected. Before the outbound gate and
 * the write timeout, every one of them went into the socket's buffer (RSS grew by hundreds of MB) until
 * heartbeats found the link dead after 2 to 2.5 intervals. Now: the outage budget bounds what waits
 * and what was written but is not confirmed (kept for a re-send: the socket's 1 MiB and what the
 * kernel took), together; live memory (RSS and Buffers, each sample taken after a full collection,
 * so that it measures what the process keeps and not when V8 collects) grows by less than the bound +
 * 10% at its peak; the write timeout (default 30 s) declares the link dead well before 2.5
 * heartbeats, and once the path heals nothing confirmed is lost (counted in the queue).
 */
import { describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { lastValueFrom } from 'rxjs';
import { OutageBudgetError, WriteTimeoutError, type AMQPError } from '../../lib/protocol/index.js';
import { DEFAULT_OUTAGE } from '../../lib/protocol/recovery/index.js';
import { ClientAMQP } from '../../lib/transport/index.js';
import { brokerUrl } from '../support/broker-url.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 1024 * 1024;
const HEARTBEAT_S = 60;
const EMITS = 3_000;
const BODY_BYTES = 100_000;
/** The configured bound: the default outage budget. */
const MAX_BYTES = DEFAULT_OUTAGE.maxBytes;
/** The default write timeout: detection lands between 1 and 1.25 of it after the last progress. */
const WRITE_TIMEOUT_MS = 30_000;
/** How often live memory is sampled (each sample after a full collection) while the emits run. */
const SAMPLE_MS = 100;

/** Memory after two full collections (the backing stores of collected Buffers go after the first sweeps). */
async function collected(): Promise<NodeJS.MemoryUsage> {
  gc();
  await sleep(100);
  gc();
  return process.memoryUsage();
}

describe('a frozen link that takes nothing, heartbeat 60 s, 3,000 x 100 KB emits', () => {
  it('holds RSS growth under the budget + 10%, declares the link dead by the write timeout, loses nothing confirmed', async () => {
    const queue = `frozen.emit.${process.pid}.${Date.now().toString(36)}`;
    const proxy = await TcpProxy.start();
    const admin = await amqplib.connect(brokerUrl());
    const adminChannel = await admin.createChannel();
    await adminChannel.assertQueue(queue, { durable: false, autoDelete: false });
    const client = new ClientAMQP({
      urls: [proxy.url()],
      queue,
      noAssert: true,
      connectionName: queue,
      connectionOptions: { heartbeat: HEARTBEAT_S },
      recovery: { initialDelayMs: 50, maxDelayMs: 500, outage: { maxBytes: MAX_BYTES } },
    });
    try {
      await client.connect();
      const connection = client.unwrap();
      expect(connection.heartbeat).toBe(HEARTBEAT_S);
      const pad = 'x'.repeat(BODY_BYTES);
      const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
      const emitAll = async (emit: (n: number) => Promise<void>): Promise<Array<Promise<void>>> => {
        const settled: Array<Promise<void>> = [];
        for (let n = 1; n <= EMITS; n += 1) {
          settled.push(emit(n));
          // 1,000 emits/s: a service gets its work over time, not in one synchronous loop.
          if (n % 50 === 0) await sleep(50);
        }
        return settled;
      };
      // The same workload on the healthy link first (message 0): the process grows to what it needs to
      // run it, and the frozen link's growth is measured from there, after a full collection.
      // Each batch of 50 is confirmed before the next goes: a busy broker slows the warm-up down instead
      // of filling the outbound budget (past it, emits are refused even on a healthy link, by design).
      for (let n = 0; n < EMITS; n += 50) {
        const batch = Array.from({ length: 50 }, () => lastValueFrom(client.emit('frozen', { n: 0, pad }), { defaultValue: undefined }));
        await Promise.all(batch);
      }
      await adminChannel.purgeQueue(queue);
      const base = await collected();
      const peak = { rss: base.rss, arrayBuffers: base.arrayBuffers };
      const sample = (): void => {
        // The second collection finishes the first one's sweep of Buffer backing stores (V8 sweeps them
        // on a background thread): the sample then counts live memory, not garbage being freed.
        gc();
        gc();
        const now = process.memoryUsage();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
      };
      const sampler = setInterval(sample, SAMPLE_MS);

      const causes: AMQPError[] = [];
      let detectedAt = 0;
      connection.on('recovering', (cause) => {
        causes.push(cause);
        if (detectedAt === 0) detectedAt = Date.now();
      });
      const frozenAt = Date.now();
      const forwardedBefore = proxy.bytes.toBroker;
      proxy.freeze({ stall: true });

      const confirmed = new Uint8Array(EMITS + 1);
      let settledCount = 0;
      const refused = { bytes: 0, messages: 0, deadline: 0 };
      const otherErrors: string[] = [];
      const settled = await emitAll((n) =>
        lastValueFrom(client.emit('frozen', { n, pad }), { defaultValue: undefined })
          .then(
            () => void (confirmed[n] = 1),
            (error: unknown) => {
              if (error instanceof OutageBudgetError) refused[error.bound] += 1;
              else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
            },
          )
          .finally(() => (settledCount += 1)),
      );
      const heldAfterEmits = connection.outage;
      // Neither refused nor held: written (in the socket's buffer, or taken by the kernel) and not
      // confirmed, kept to be sent again after a loss, and counted by the same budget.
      const unsettled = EMITS - settledCount;
      const socketBytes = (connection.unwrap() as { outboundBytes?: number } | undefined)?.outboundBytes ?? 0;
      const link = `blocked ${connection.isBlocked}, in the socket ${mib(socketBytes)} MiB, forwarded after the freeze ${mib(proxy.bytes.toBroker - forwardedBefore)} MiB`;
      clearInterval(sampler);
      sample();
      // What the frozen link keeps (the held publishes, the socket's buffer), garbage collected.
      const retained = await collected();

      await waitFor(() => detectedAt > 0, 'the frozen link declared dead', 2 * WRITE_TIMEOUT_MS);
      const detectionMs = detectedAt - frozenAt;
      const peakGrowth = { rss: peak.rss - base.rss, arrayBuffers: peak.arrayBuffers - base.arrayBuffers };
      const retainedGrowth = { rss: retained.rss - base.rss, arrayBuffers: retained.arrayBuffers - base.arrayBuffers };
      proxy.thaw();
      await Promise.all(settled);
      await waitFor(() => connection.isOpen, 'the client recovered', 30_000);

      const delivered = confirmed.reduce((sum, c) => sum + c, 0);
      const inQueue = new Uint8Array(EMITS + 1);
      let copies = 0;
      await adminChannel.consume(
        queue,
        (message) => {
          if (message === null) return;
          const n = (JSON.parse(message.content.toString()) as { data: { n: number } }).data.n;
          copies += 1;
          inQueue[n] = 1;
        },
        { noAck: true },
      );
      await waitFor(() => confirmed.every((c, n) => c === 0 || inQueue[n] === 1), 'every confirmed emit in the queue', 30_000).catch(
        () => undefined,
      );
      let lost = 0;
      for (let n = 1; n <= EMITS; n += 1) if (confirmed[n] === 1 && inQueue[n] === 0) lost += 1;
      console.log(
        `frozen link (stall): declared dead after ${detectionMs} ms by ${causes[0]?.name}; bound ${mib(MAX_BYTES)} MiB, ` +
          `after the emits held ${mib(heldAfterEmits.bytes)} MiB / ${heldAfterEmits.messages} messages, written unconfirmed ` +
          `${mib(heldAfterEmits.unconfirmedBytes)} MiB / ${heldAfterEmits.unconfirmedMessages} (unsettled ${unsettled}), peak counted ` +
          `${mib(heldAfterEmits.peakBytes)} MiB (${link}); live growth from ${mib(base.rss)} MiB RSS: peak ${mib(peakGrowth.rss)} MiB RSS / ` +
          `${mib(peakGrowth.arrayBuffers)} MiB arrayBuffers, retained ${mib(retainedGrowth.rss)} MiB RSS / ` +
          `${mib(retainedGrowth.arrayBuffers)} MiB arrayBuffers; delivered ${delivered}, refused ${JSON.stringify(refused)}, ` +
          `lost ${lost}, copies in the queue ${copies}, other errors ${otherErrors.length}`,
      );

      expect(causes[0]).toBeInstanceOf(WriteTimeoutError);
      // 2.5 heartbeats would be 150 s; the write timeout finds it in 1 to 1.25 of 30 s after the last progress.
      expect(detectionMs).toBeLessThan(HEARTBEAT_S * 1000);
      // Every emit not yet settled is counted: waiting (held) or written and kept until its confirm.
      expect(heldAfterEmits.messages + heldAfterEmits.unconfirmedMessages).toBe(unsettled);
      expect(heldAfterEmits.bytes + heldAfterEmits.unconfirmedBytes).toBeLessThanOrEqual(MAX_BYTES);
      expect(heldAfterEmits.peakBytes).toBeLessThanOrEqual(MAX_BYTES);
      // What the process keeps, at its peak and after the emits: under the bound + 10%. Large bodies
      // go to the socket without a copy (encodeBasicPublishVectored), so the socket's 1 MiB is the
      // kept bodies themselves, counted once.
      expect(peakGrowth.rss).toBeLessThan(MAX_BYTES * 1.1);
      expect(peakGrowth.arrayBuffers).toBeLessThan(MAX_BYTES * 1.1);
      expect(retainedGrowth.rss).toBeLessThan(MAX_BYTES * 1.1);
      expect(retainedGrowth.arrayBuffers).toBeLessThan(MAX_BYTES * 1.1);
      expect(otherErrors).toEqual([]);
      expect(delivered).toBeGreaterThan(0);
      expect(delivered + refused.bytes + refused.messages + refused.deadline).toBe(EMITS);
      expect(lost).toBe(0);
    } finally {
      if (proxy.frozen) proxy.thaw();
      await client.close().catch(() => undefined);
      await adminChannel.deleteQueue(queue).catch(() => undefined);
      await admin.close().catch(() => undefined);
      await proxy.close();
    }
    // Dead in about 40 s, then recovery and 670 deliveries: about 90 s alone, over 180 s beside CI's
    // other steps on two cores (the death's timing is asserted above, not the test's length).
  }, 400_000);
});
