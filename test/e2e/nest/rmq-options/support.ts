/**
 * Helpers for the Transport.RMQ option parity suites: the broker's own view (rabbitmqctl) of the
 * queues, exchanges, bindings, consumers and channels one options object produced, so the same
 * object given to Nest's RMQ transport and to this package can be compared field by field.
 */
import amqplib from 'amqplib';
import { listChannelPrefetch, rabbitmqctl } from '../../../support/broker.js';
import { brokerUrl } from '../../../support/broker-url.js';

export const AMQP_URL = brokerUrl();

let counter = 0;
/** A name carrying this area's prefix that no other run uses. */
export function rmqName(what: string): string {
  counter += 1;
  return `rmq-${what}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

type Triple = [string, string, unknown];

/** rabbitmqctl writes tables as [key, type, value] triples (or as an object in newer releases). */
function table(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return Object.fromEntries((value as Triple[]).map(([key, , v]) => [key, v]));
  return (value ?? {}) as Record<string, unknown>;
}

async function json<T>(args: string[]): Promise<T[]> {
  const out = await rabbitmqctl([...args, '-q', '--formatter', 'json']);
  return out.trim() === '' ? [] : (JSON.parse(out) as T[]);
}

/**
 * A queue's arguments as the clients declared them. RabbitMQ 4 records the type it gave a queue
 * declared without one (`x-queue-type: classic`); 3.x lists only what was sent. Neither client sends
 * a classic type unless told to, so that entry is left out and both brokers compare alike.
 */
function declaredQueueArguments(value: unknown): Record<string, unknown> {
  const { 'x-queue-type': type, ...rest } = table(value);
  return type === undefined || type === 'classic' ? rest : { ...rest, 'x-queue-type': type };
}

/** What the broker holds for some queue and exchange names, and for one connection's channels. */
export interface BrokerSnapshot {
  queues: Array<{ name: string; durable: boolean; auto_delete: boolean; exclusive: boolean; arguments: Record<string, unknown> }>;
  exchanges: Array<{ name: string; type: string; durable: boolean; auto_delete: boolean; arguments: Record<string, unknown> }>;
  bindings: Array<{ source_name: string; destination_name: string; routing_key: string }>;
  consumers: Array<{ queue_name: string; consumer_tag: string | undefined; prefetch_count: number; ack_required: boolean }>;
  /** basic.qos of the connection's channels that consume (global prefetch per channel). */
  globalPrefetch: number[];
}

/** A snapshot of `queues` and `exchanges` (bindings to those queues), consumer tags kept when `keepTags`. */
export async function snapshot(
  queues: string[],
  exchanges: string[],
  connectionName: string,
  keepTags = false,
): Promise<BrokerSnapshot> {
  const [queueRows, exchangeRows, bindingRows, consumerRows, channelRows, connectionRows] = await Promise.all([
    json<{ name: string; durable: boolean; auto_delete: boolean; exclusive: boolean; arguments: unknown }>([
      'list_queues', 'name', 'durable', 'auto_delete', 'exclusive', 'arguments',
    ]),
    json<{ name: string; type: string; durable: boolean; auto_delete: boolean; arguments: unknown }>([
      'list_exchanges', 'name', 'type', 'durable', 'auto_delete', 'arguments',
    ]),
    json<{ source_name: string; destination_name: string; routing_key: string }>([
      'list_bindings', 'source_name', 'destination_name', 'routing_key',
    ]),
    json<{ queue_name: string; consumer_tag: string; prefetch_count: number; ack_required: boolean }>([
      'list_consumers', 'queue_name', 'consumer_tag', 'prefetch_count', 'ack_required',
    ]),
    listChannelPrefetch(),
    json<{ name: string; client_properties: unknown }>(['list_connections', 'name', 'client_properties']),
  ]);
  const connection = connectionRows.find((row) => table(row.client_properties)['connection_name'] === connectionName);
  const sortBy = <T>(rows: T[], key: (row: T) => string): T[] => rows.sort((a, b) => key(a).localeCompare(key(b)));
  return {
    queues: sortBy(
      queueRows.filter((row) => queues.includes(row.name)).map((row) => ({ ...row, arguments: declaredQueueArguments(row.arguments) })),
      (row) => row.name,
    ),
    exchanges: sortBy(
      exchangeRows.filter((row) => exchanges.includes(row.name)).map((row) => ({ ...row, arguments: table(row.arguments) })),
      (row) => row.name,
    ),
    bindings: sortBy(
      bindingRows.filter((row) => queues.includes(row.destination_name) && row.source_name !== ''),
      (row) => `${row.source_name}|${row.routing_key}`,
    ),
    consumers: consumerRows
      .filter((row) => queues.includes(row.queue_name))
      .map((row) => ({ ...row, consumer_tag: keepTags ? row.consumer_tag : undefined })),
    globalPrefetch:
      connection === undefined
        ? []
        : channelRows
            .filter((row) => row.name.startsWith(`${connection.name} (`) && row.consumerCount > 0)
            .map((row) => row.globalPrefetchCount),
  };
}

/** Deletes queues and exchanges a case declared (missing ones are fine), over an independent amqplib connection. */
export async function cleanup(queues: string[], exchanges: string[]): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    for (const exchange of exchanges) {
      const channel = await connection.createChannel();
      await channel.deleteExchange(exchange).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

/** Publishes a Nest-enveloped event (`{ pattern, data }`) to an exchange, confirmed. */
export async function publishEvent(exchange: string, routingKey: string, pattern: string, data: unknown): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.publish(exchange, routingKey, Buffer.from(JSON.stringify({ pattern, data })));
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}
