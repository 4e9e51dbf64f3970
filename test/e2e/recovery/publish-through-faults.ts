/**
 * The loss-accounting harness shared by the fault tests and the soak: a confirm-mode publisher sends
 * numbered messages at a steady pace through `publishWithRetry` while faults are injected, and a
 * consumer (manual acks) records every number it sees. Lost = confirmed but never received.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Connection,
  URLParameters,
  type ConnectionParameters,
  type FieldTable,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection, type RecoveryOptions } from '../../../lib/protocol/recovery/index.js';

export interface FaultRunOptions {
  queue: string;
  /** Names the publisher's and consumer's connections get (faults select them by name). */
  publisherName: string;
  consumerName: string;
  total: number;
  /** Messages per second the publisher aims at. */
  ratePerSecond: number;
  /** Most unconfirmed publishes at once (also the publish buffer's bound). */
  window: number;
  durable: boolean;
  /** Injects the faults; runs while publishing goes on. Receives the two connections. */
  faults: (publisher: RecoveringConnection, consumer: RecoveringConnection) => Promise<void>;
  /** One broker URL, or a cluster's nodes (tried in order). */
  url?: string | string[];
  /** Extra queue arguments (e.g. x-queue-type quorum). */
  queueArguments?: FieldTable;
  /** How long to wait for the consumer to catch up once publishing is done. */
  drainTimeoutMs?: number;
  onProgress?: (report: FaultRunReport) => void;
}

export interface FaultRunReport {
  sent: number;
  confirmed: number;
  received: number;
  duplicates: number;
  redelivered: number;
  lost: number;
  /** Publishes rejected by a connection loss and sent again by publishWithRetry. */
  retried: number;
  /** Publishes that failed for good (should be none). */
  failed: number;
  failures: string[];
  publisherRecoveries: number;
  consumerRecoveries: number;
  /** What a recovery could not restore (should be empty). */
  topologyErrors: string[];
}

export const FAST_RECOVERY: RecoveryOptions = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };

export async function publishThroughFaults(options: FaultRunOptions): Promise<FaultRunReport> {
  const given = options.url ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const url = Array.isArray(given) ? given : [given];
  const params = (name: string): ConnectionParameters[] =>
    url.map((u) => new URLParameters(u).with({ connectionName: name }));
  const consumer = await RecoveringConnection.connect(params(options.consumerName), {
    recovery: FAST_RECOVERY,
  });
  const publisher = await RecoveringConnection.connect(params(options.publisherName), {
    recovery: { ...FAST_RECOVERY, publishBuffer: true, outage: { maxMessages: options.window } },
  });
  const received = new Set<number>();
  const confirmed = new Set<number>();
  const failures: string[] = [];
  const topologyErrors: string[] = [];
  for (const [who, connection] of [
    ['publisher', publisher],
    ['consumer', consumer],
  ] as const) {
    connection.on('topologyRecoveryError', (error, what) =>
      topologyErrors.push(`${who} ${what}: ${error.message}`),
    );
  }
  const report = (): FaultRunReport => {
    let lost = 0;
    for (const n of confirmed) if (!received.has(n)) lost += 1;
    return {
      sent,
      confirmed: confirmed.size,
      received: received.size,
      duplicates,
      redelivered,
      lost,
      retried,
      failed: failures.length,
      failures: failures.slice(0, 5),
      publisherRecoveries: publisher.recoveries,
      consumerRecoveries: consumer.recoveries,
      topologyErrors,
    };
  };
  let sent = 0;
  let duplicates = 0;
  let redelivered = 0;
  let retried = 0;
  try {
    const queueOptions = {
      queue: options.queue,
      durable: options.durable,
      autoDelete: false,
      exclusive: false,
      arguments: options.queueArguments,
    };
    const consumerChannel = await consumer.channel();
    consumerChannel.addOnCloseCallback((_channel, error) => {
      if (error !== undefined) topologyErrors.push(`consumer channel closed for good: ${error.message}`);
    });
    consumerChannel.addOnCancelCallback((tag) =>
      topologyErrors.push(`consumer ${tag} cancelled by the broker`),
    );
    await consumerChannel.queueDeclare(queueOptions);
    await consumerChannel.basicQos({ prefetchCount: 500 });
    await consumerChannel.basicConsume(options.queue, (channel, method, _properties, body) => {
      const n = Number(body.toString());
      if (received.has(n)) duplicates += 1;
      else received.add(n);
      if (method.redelivered) redelivered += 1;
      try {
        channel.basicAck(method.deliveryTag);
      } catch {
        // A stale tag: the broker redelivers this message on the recovered channel.
      }
    });
    const channel = await publisher.channel();
    await channel.queueDeclare(queueOptions);
    await channel.confirmDelivery();

    const faults = options.faults(publisher, consumer);
    const inFlight = new Set<Promise<void>>();
    const started = Date.now();
    const properties = { deliveryMode: options.durable ? 2 : 1 };
    const retry = { onRetry: () => void (retried += 1) };
    for (let n = 1; n <= options.total; n += 1) {
      // Pace: the publisher must still be sending while each fault lands.
      const due = started + (n * 1000) / options.ratePerSecond;
      if (due > Date.now() + 5) await sleep(due - Date.now());
      while (inFlight.size >= options.window) await Promise.race(inFlight);
      const body = String(n);
      const publish: Promise<void> = channel
        .publishWithRetry('', options.queue, body, properties, undefined, retry)
        .then(
          () => void confirmed.add(n),
          (error: unknown) =>
            void failures.push(`#${n}: ${error instanceof Error ? error.message : String(error)}`),
        )
        .finally(() => inFlight.delete(publish));
      inFlight.add(publish);
      sent += 1;
      if (n % 2000 === 0) options.onProgress?.(report());
    }
    await Promise.all(inFlight);
    await faults;
    const deadline = Date.now() + (options.drainTimeoutMs ?? 60_000);
    while (Date.now() < deadline && [...confirmed].some((n) => !received.has(n))) await sleep(100);
    // A little longer, so late redeliveries are counted as duplicates rather than missed.
    await sleep(200);
    const final = report();
    if (final.lost > 0) {
      const state = await consumerChannel
        .queueDeclare({ queue: options.queue, passive: true })
        .catch((e: Error) => e);
      final.failures.push(
        `lost > 0; consumer channel ${consumerChannel.state}, queue now: ${JSON.stringify(state instanceof Error ? state.message : state)}`,
      );
    }
    return final;
  } finally {
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await deleteQueue(url, options.queue);
  }
}

/** Deletes a queue through a plain engine connection (cleanup; ignores a missing queue). */
export async function deleteQueue(url: string | string[], queue: string): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect(url);
    const channel = await connection.channel();
    await channel.queueDelete({ queue });
  } catch {
    // The queue may already be gone.
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** Resolves on the connection's next 'recovered'; rejects on 'recoveryFailed' or after `timeoutMs`. */
export async function nextRecovery(connection: RecoveringConnection, timeoutMs = 30_000): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await Promise.race([
      once(connection, 'recovered', { signal: controller.signal }),
      once(connection, 'recoveryFailed', { signal: controller.signal }).then(([error]) => {
        throw error;
      }),
    ]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
