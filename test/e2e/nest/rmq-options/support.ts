/**
 * Helpers for the Transport.RMQ option parity suites: the broker's own view (one rabbitmqctl eval) of the
 * queues, exchanges, bindings, consumers and channels one options object produced, so the same
 * object given to Nest's RMQ transport and to this package can be compared field by field.
 */
import amqplib from 'amqplib';
import { brokerView } from '../../../support/broker-view.js';
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

/**
 * A snapshot of `queues` and `exchanges` (bindings to those queues), consumer tags kept when
 * `keepTags`: one `rabbitmqctl eval` (broker-view.ts) instead of six `list_*` calls.
 */
export async function snapshot(
  queues: string[],
  exchanges: string[],
  connectionName: string,
  keepTags = false,
): Promise<BrokerSnapshot> {
  const view = await brokerView({ queues, exchanges });
  const connection = view.connections.find((row) => table(row.client_properties)['connection_name'] === connectionName);
  const sortBy = <T>(rows: T[], key: (row: T) => string): T[] => rows.sort((a, b) => key(a).localeCompare(key(b)));
  return {
    queues: sortBy(
      view.queues.map(({ name, durable, auto_delete, exclusive, arguments: args }) => ({
        name,
        durable,
        auto_delete,
        exclusive,
        arguments: declaredQueueArguments(args),
      })),
      (row) => row.name,
    ),
    exchanges: sortBy(
      view.exchanges.map(({ name, type, durable, auto_delete, arguments: args }) => ({
        name,
        type,
        durable,
        auto_delete,
        arguments: table(args),
      })),
      (row) => row.name,
    ),
    bindings: sortBy(
      view.bindings
        .filter((row) => row.source_name !== '')
        .map(({ source_name, destination_name, routing_key }) => ({ source_name, destination_name, routing_key })),
      (row) => `${row.source_name}|${row.routing_key}`,
    ),
    consumers: view.consumers.map(({ queue_name, consumer_tag, prefetch_count, ack_required }) => ({
      queue_name,
      consumer_tag: keepTags ? consumer_tag : undefined,
      prefetch_count,
      ack_required,
    })),
    globalPrefetch:
      connection === undefined
        ? []
        : view.channels
            .filter((row) => row.name.startsWith(`${connection.name} (`) && row.consumer_count > 0)
            .map((row) => row.global_prefetch_count),
  };
}

/**
 * Deletes queues and exchanges a case declared (missing ones are fine), over an independent amqplib
 * connection; with each queue its `<queue>.dlq`, which ServerAMQP declares for a consumer without a
 * dead-letter exchange (the run's teardown would remove it only at the end, and not after a killed run).
 */
export async function cleanup(queues: string[], exchanges: string[]): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    for (const queue of queues.flatMap((name) => [name, `${name}.dlq`])) {
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
