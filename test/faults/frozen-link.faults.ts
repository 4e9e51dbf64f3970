/**
 * A frozen link that takes nothing: the TCP proxy stops reading (`freeze({ stall: true })`), so the
 * client's writes stop making progress and no FIN or RST ever comes. Heartbeat 60 s, and 3,000
 * ClientAMQP.emit calls of 100 KB made on it while it looks connected. Before the outbound gate and
 * the write timeout, every one of them went into the socket's buffer (RSS grew by hundreds of MB) until
 * heartbeats found the link dead after 2 to 2.5 intervals. Now: what waits is the outage budget's to
 * bound (what the process keeps, RSS and Buffers measured in it after a full collection, grows by less
 * than the bound + 10% beside the publishes already on their way when the path froze, in the socket's
 * 1 MiB and the kernel's buffers; the peak by that plus the garbage V8 lets build up before it
 * collects), the
 * write timeout (default 30 s) declares the link dead well before 2.5 heartbeats, and once the path
 * heals nothing confirmed is lost (counted in the queue).
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
/** V8 runs a full collection for external memory (Buffers) once it grew this much since the last one. */
const V8_EXTERNAL_SLACK = 64 * MiB;

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
      let peakRss = base.rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);

      const causes: AMQPError[] = [];
      let detectedAt = 0;
      connection.on('recovering', (cause) => {
        causes.push(cause);
        if (detectedAt === 0) detectedAt = Date.now();
      });
      const frozenAt = Date.now();
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
      // Neither refused nor held: on their way (in the socket's buffer, or taken by the kernel and not
      // yet confirmed, kept to be sent again after a loss). The socket's high-water mark and the
      // kernel's buffers bound them, not the budget.
      const inFlight = EMITS - settledCount - heldAfterEmits.messages;
      const inFlightBytes = inFlight * (heldAfterEmits.bytes / Math.max(1, heldAfterEmits.messages));
      clearInterval(sampler);
      // What the frozen link keeps (the held publishes, the socket's buffer), garbage collected.
      const retained = await collected();

      await waitFor(() => detectedAt > 0, 'the frozen link declared dead', 2 * WRITE_TIMEOUT_MS);
      const detectionMs = detectedAt - frozenAt;
      const peakGrowth = peakRss - base.rss;
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
      const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
      console.log(
        `frozen link (stall): declared dead after ${detectionMs} ms by ${causes[0]?.name}; bound ${mib(MAX_BYTES)} MiB, ` +
          `held after the emits ${mib(heldAfterEmits.bytes)} MiB / ${heldAfterEmits.messages} messages; growth from ` +
          `${mib(base.rss)} MiB RSS: peak ${mib(peakGrowth)} MiB, retained ${mib(retainedGrowth.rss)} MiB RSS / ` +
          `${mib(retainedGrowth.arrayBuffers)} MiB arrayBuffers; on their way ${inFlight} (${mib(inFlightBytes)} MiB); delivered ${delivered}, refused ${JSON.stringify(refused)}, ` +
          `lost ${lost}, copies in the queue ${copies}, other errors ${otherErrors.length}`,
      );

      expect(causes[0]).toBeInstanceOf(WriteTimeoutError);
      // 2.5 heartbeats would be 150 s; the write timeout finds it in 1 to 1.25 of 30 s after the last progress.
      expect(detectionMs).toBeLessThan(HEARTBEAT_S * 1000);
      // What the process keeps: the budget (+10%), and what was already on its way when the path froze.
      expect(retainedGrowth.rss).toBeLessThan(MAX_BYTES * 1.1 + inFlightBytes);
      expect(retainedGrowth.arrayBuffers).toBeLessThan(MAX_BYTES * 1.1 + inFlightBytes);
      // The peak also carries the refused emits' bodies until V8 collects them: it collects external
      // memory once it grew by 64 MiB since the last full collection, whatever this package does.
      expect(peakGrowth).toBeLessThan(MAX_BYTES * 1.1 + inFlightBytes + V8_EXTERNAL_SLACK);
      expect(heldAfterEmits.bytes).toBeLessThanOrEqual(MAX_BYTES);
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
  }, 180_000);
});
