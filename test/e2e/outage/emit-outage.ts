/**
 * The outage scenario shared by the short suite (npm test) and the full one (npm run test:outage):
 * a ClientAMQP emits through a TCP proxy that drops its connection and refuses new ones for
 * `outageMs`; `emits` events of `bodyBytes` each are emitted during the outage. Memory (arrayBuffers,
 * RSS) and the outage budget's counters are sampled throughout; a consumer on its own connection to
 * the broker counts what arrives, by message number.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import amqplib from 'amqplib';
import { lastValueFrom } from 'rxjs';
import type { OutageOptions } from '../../../lib/protocol/recovery/index.js';
import { OutageBudgetError } from '../../../lib/protocol/index.js';
import { ClientAMQP } from '../../../lib/transport/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { AMQP_URL, uniqueName, waitFor } from '../nest/client/support.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface EmitOutageOptions {
  emits: number;
  bodyBytes: number;
  outageMs: number;
  outage: OutageOptions;
  /** Emitted per tick: a service gets its work over time, not in one synchronous loop. @default 50 */
  batch?: number;
}

export interface EmitOutageResult {
  delivered: number;
  refused: Record<'bytes' | 'messages' | 'deadline', number>;
  otherErrors: string[];
  received: number;
  duplicates: number;
  /** Confirmed (emit resolved) but never received. */
  lost: number;
  /** Received but the emit was refused (should never happen). */
  unexpected: number;
  budget: { peakBytes: number; peakMessages: number; refused: Record<string, number> };
  /**
   * Peaks while the connection was down (what the budget bounds), and after it came back (the held
   * messages on their way out through the socket, and the consumer in this same process taking them in).
   */
  memory: {
    arrayBuffersBaseMiB: number;
    arrayBuffersOutagePeakMiB: number;
    /** The highest of the samples taken after a full collection every LIVE_EVERY emits and after the last. */
    arrayBuffersOutageLivePeakMiB: number;
    arrayBuffersAfterPeakMiB: number;
    /** After a full GC during the outage, once every emit was made: what the outage really holds. */
    arrayBuffersOutageRetainedMiB: number;
    rssBaseMiB: number;
    rssOutagePeakMiB: number;
    rssAfterPeakMiB: number;
    rssEndMiB: number;
  };
  recoveredAfterMs: number;
  /**
   * From the first emit to the last one settled: the longest any emit was held. Under the outage
   * budget's deadline nothing can have expired; past it (a slow machine's emit loop plus the outage
   * plus the recovery), the oldest holds expire with OutageBudgetError('deadline'), as they should.
   */
  heldForMs: number;
}

const MiB = 1024 * 1024;
/** Emits between two samples of live memory (a full collection each). */
const LIVE_EVERY = 500;

export async function runEmitOutage(options: EmitOutageOptions): Promise<EmitOutageResult> {
  const queue = uniqueName('outage.emit');
  const proxy = await TcpProxy.start();
  const consumerConnection = await amqplib.connect(AMQP_URL);
  const consumer = await consumerConnection.createChannel();
  await consumer.assertQueue(queue, { durable: false, autoDelete: false });
  const counts = new Uint8Array(options.emits + 1);
  let received = 0;
  let duplicates = 0;
  await consumer.consume(
    queue,
    (message) => {
      if (message === null) return;
      const n = (JSON.parse(message.content.toString()) as { data: { n: number } }).data.n;
      if (counts[n] === 0) received += 1;
      else duplicates += 1;
      counts[n] = Math.min(255, (counts[n] ?? 0) + 1);
    },
    { noAck: true },
  );
  const client = new ClientAMQP({
    urls: [proxy.url()],
    queue,
    noAssert: true,
    connectionName: queue,
    recovery: { initialDelayMs: 50, maxDelayMs: 250, outage: options.outage },
  });
  try {
    await client.connect();
    const pad = 'x'.repeat(options.bodyBytes);
    // Warm-up (message 0): the confirm channel is open before the outage, as in a running service.
    await lastValueFrom(client.emit('outage', { n: 0, pad: '' }), { defaultValue: undefined });
    await waitFor(() => (received === 1 ? true : undefined));
    received = 0;
    counts[0] = 0;

    gc();
    const base = process.memoryUsage();
    const peaks = { outage: { arrayBuffers: base.arrayBuffers, rss: base.rss }, after: { arrayBuffers: 0, rss: 0 } };
    let phase: 'outage' | 'after' = 'outage';
    const sample = (): void => {
      const now = process.memoryUsage();
      peaks[phase].arrayBuffers = Math.max(peaks[phase].arrayBuffers, now.arrayBuffers);
      peaks[phase].rss = Math.max(peaks[phase].rss, now.rss);
    };
    const sampler = setInterval(sample, 50);
    let livePeak = base.arrayBuffers;

    const outageStart = Date.now();
    proxy.refuseNew(true);
    proxy.dropAll();
    const connection = client.unwrap();
    await waitFor(() => (connection.isRecovering ? true : undefined));

    const confirmed = new Uint8Array(options.emits + 1);
    const refused = { bytes: 0, messages: 0, deadline: 0 };
    const otherErrors: string[] = [];
    const settled: Array<Promise<void>> = [];
    const batch = options.batch ?? 50;
    const firstEmitAt = Date.now();
    for (let n = 1; n <= options.emits; n += 1) {
      settled.push(
        lastValueFrom(client.emit('outage', { n, pad }), { defaultValue: undefined }).then(
          () => void (confirmed[n] = 1),
          (error: unknown) => {
            if (error instanceof OutageBudgetError) refused[error.bound] += 1;
            else otherErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          },
        ),
      );
      if (n % batch === 0) await new Promise((resolve) => setImmediate(resolve));
      // What is live, not what the GC has yet to collect (refused bodies are garbage at once, and how
      // much of it a sample sees depends on when V8 collects, which a loaded machine delays).
      if (n % LIVE_EVERY === 0 || n === options.emits) {
        gc();
        livePeak = Math.max(livePeak, process.memoryUsage().arrayBuffers);
      }
    }
    sample();
    // Two full collections apart: backing stores of collected Buffers are freed after the first sweeps.
    gc();
    await sleep(100);
    gc();
    const retained = process.memoryUsage().arrayBuffers;
    const remaining = outageStart + options.outageMs - Date.now();
    if (remaining > 0) await sleep(remaining);
    sample();
    phase = 'after';
    const healedAt = Date.now();
    proxy.refuseNew(false);
    await Promise.all(settled);
    const recoveredAfterMs = Date.now() - healedAt;
    const heldForMs = Date.now() - firstEmitAt;
    await sleep(1_000);
    clearInterval(sampler);
    const delivered = confirmed.reduce((sum, c) => sum + c, 0);
    await waitFor(() => (received >= delivered ? true : undefined), 30_000).catch(() => undefined);
    await sleep(500);
    let lost = 0;
    let unexpected = 0;
    for (let n = 1; n <= options.emits; n += 1) {
      if (confirmed[n] === 1 && counts[n] === 0) lost += 1;
      if (confirmed[n] === 0 && counts[n] !== 0) unexpected += 1;
    }
    const budget = connection.outage;
    gc();
    return {
      delivered,
      refused,
      otherErrors: otherErrors.slice(0, 5),
      received,
      duplicates,
      lost,
      unexpected,
      budget: { peakBytes: budget.peakBytes, peakMessages: budget.peakMessages, refused: budget.refused },
      memory: {
        arrayBuffersBaseMiB: base.arrayBuffers / MiB,
        arrayBuffersOutagePeakMiB: peaks.outage.arrayBuffers / MiB,
        arrayBuffersOutageLivePeakMiB: livePeak / MiB,
        arrayBuffersAfterPeakMiB: peaks.after.arrayBuffers / MiB,
        arrayBuffersOutageRetainedMiB: retained / MiB,
        rssBaseMiB: base.rss / MiB,
        rssOutagePeakMiB: peaks.outage.rss / MiB,
        rssAfterPeakMiB: peaks.after.rss / MiB,
        rssEndMiB: process.memoryUsage().rss / MiB,
      },
      recoveredAfterMs,
      heldForMs,
    };
  } finally {
    await client.close().catch(() => undefined);
    await consumer.deleteQueue(queue).catch(() => undefined);
    await consumerConnection.close().catch(() => undefined);
    await proxy.close();
  }
}
