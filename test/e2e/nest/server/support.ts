/**
 * Helpers for the ServerAMQP e2e suites: unique names, an independent amqplib connection (never the
 * code under test) to publish, inspect and clean up, a raw Nest-RMQ-style RPC caller, and waiting.
 */
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import type { INestMicroservice, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { waitFor } from '../../../support/wait-for.js';
import { brokerUrl, brokerVhost } from '../../../support/broker-url.js';
import { rabbitmqctl } from '../../../support/rabbitmqctl.js';

export { waitFor };

export const AMQP_URL = brokerUrl();

let counter = 0;
/** A queue/exchange name that no other test or run uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `srv-${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}


export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A reply as Nest's RMQ transport sends it. */
export interface RawReply {
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
  status?: string;
  id?: string;
}

/** An amqplib connection for setting up, publishing and inspecting. */
export class Admin {
  private constructor(
    private readonly connection: amqplib.ChannelModel,
    readonly channel: amqplib.ConfirmChannel,
    private readonly replies: Map<string, RawReply[]>,
  ) {}

  static async open(): Promise<Admin> {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const replies = new Map<string, RawReply[]>();
    await channel.consume(
      'amq.rabbitmq.reply-to',
      (message) => {
        if (message === null) return;
        const id = message.properties.correlationId as string;
        const list = replies.get(id) ?? [];
        list.push(JSON.parse(message.content.toString()) as RawReply);
        replies.set(id, list);
      },
      { noAck: true },
    );
    return new Admin(connection, channel, replies);
  }

  /** Publishes and waits for the broker's confirm. */
  async publish(exchange: string, routingKey: string, body: Buffer | string | object, options: amqplib.Options.Publish = {}): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    this.channel.publish(exchange, routingKey, content, options);
    await this.channel.waitForConfirms();
  }

  /** Sends a Nest RMQ request `{pattern, data, id}` with direct reply-to; resolves with every reply up to the disposed one. */
  async request(queue: string, pattern: unknown, data: unknown, timeoutMs = 10_000): Promise<RawReply[]> {
    const id = randomUUID();
    await this.publish('', queue, { pattern, data, id }, { replyTo: 'amq.rabbitmq.reply-to', correlationId: id });
    return this.awaitReplies(id, timeoutMs);
  }

  /** Waits for the replies to `correlationId` up to the one with isDisposed (or an err). */
  async awaitReplies(correlationId: string, timeoutMs = 10_000): Promise<RawReply[]> {
    await waitFor(
      () => (this.replies.get(correlationId) ?? []).some((reply) => reply.isDisposed === true || reply.err !== undefined),
      `the replies to ${correlationId}`,
      timeoutMs,
    );
    return this.replies.get(correlationId) ?? [];
  }

  /** Publishes on the confirm channel with direct reply-to and a chosen correlation id. */
  async publishRequest(exchange: string, routingKey: string, body: Buffer | string | object, correlationId: string, options: amqplib.Options.Publish = {}): Promise<void> {
    await this.publish(exchange, routingKey, body, { ...options, replyTo: 'amq.rabbitmq.reply-to', correlationId });
  }

  /** Ready messages in a queue (passive declare). */
  async messageCount(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Consumers of a queue (passive declare). */
  async consumerCount(queue: string): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.checkQueue(queue)).consumerCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Takes every ready message of a queue (acked), in order. */
  async drain(queue: string): Promise<amqplib.GetMessage[]> {
    const channel = await this.connection.createChannel();
    const messages: amqplib.GetMessage[] = [];
    try {
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (message === false) return messages;
        messages.push(message);
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Deletes queues (with the `.dlq` a consumer declares for a queue without a DLX) and exchanges, ignoring the ones already gone. */
  async cleanup(queues: string[], exchanges: string[] = []): Promise<void> {
    for (const name of queues.flatMap((queue) => (queue.endsWith('.dlq') ? [queue] : [queue, `${queue}.dlq`]))) {
      const channel = await this.connection.createChannel();
      await channel.deleteQueue(name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
    for (const name of exchanges) {
      const channel = await this.connection.createChannel();
      await channel.deleteExchange(name).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * Runs a rabbitmqctl listing and parses its JSON. A listing can fail when a channel of another suite
 * dies while the broker collects it (`badrpc ... EXIT`), so it is tried up to three times.
 */
async function rabbitmqctlJson<T>(args: string[]): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return JSON.parse(await rabbitmqctl(args)) as T;
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(300);
    }
  }
}

/** One row of `rabbitmqctl list_queues` as JSON. */
export interface QueueInfo {
  name: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
  type: string;
  messages_ready: number;
  messages_unacknowledged: number;
  consumers: number;
}

/** The broker's own view of some queues in AMQP_URL's vhost (from rabbitmqctl, independent of any client library). */
export async function listQueues(names: string[]): Promise<Map<string, QueueInfo>> {
  const rows = await rabbitmqctlJson<Array<Omit<QueueInfo, 'arguments'> & { arguments: Array<[string, string, unknown]> | Record<string, unknown> }>>(
    ['list_queues', '-q', '-p', brokerVhost(), 'name', 'durable', 'auto_delete', 'exclusive', 'arguments', 'type', 'messages_ready', 'messages_unacknowledged', 'consumers', '--formatter', 'json'],
  );
  return new Map(
    rows
      .filter((row) => names.includes(row.name))
      .map((row) => {
        // rabbitmqctl prints a table as [key, type, value] triples.
        const args = Array.isArray(row.arguments) ? Object.fromEntries(row.arguments.map(([key, , value]) => [key, value])) : row.arguments;
        return [row.name, { ...row, arguments: args }];
      }),
  );
}

/** Names of the broker's open connections. */
export async function connectionNames(): Promise<string[]> {
  const rows = await rabbitmqctlJson<Array<{ client_properties: Array<[string, string, unknown]> | Record<string, unknown> }>>(
    ['list_connections', '-q', 'client_properties', '--formatter', 'json'],
  );
  return rows.flatMap((row) => {
    const props = row.client_properties;
    if (Array.isArray(props)) {
      const entry = props.find(([key]) => key === 'connection_name');
      return entry === undefined ? [] : [String(entry[2])];
    }
    const name = props['connection_name'];
    return typeof name === 'string' ? [name] : [];
  });
}

/** Per-consumer prefetch and ack flag of the consumers of some queues, as the broker sees them. */
export async function listConsumers(queues: string[]): Promise<Array<{ queue_name: string; prefetch_count: number; ack_required: boolean }>> {
  const rows = await rabbitmqctlJson<Array<{ queue_name: string; prefetch_count: number; ack_required: boolean }>>(
    ['list_consumers', '-q', '-p', brokerVhost(), 'queue_name', 'prefetch_count', 'ack_required', '--formatter', 'json'],
  );
  return rows.filter((row) => queues.includes(row.queue_name));
}

/** A suite's microservice: the app on its ServerAMQP, and an independent admin connection. */
export interface SuiteServer {
  app: INestMicroservice;
  admin: Admin;
}

/**
 * Opens the admin connection, declares `deadLetterQueues` (transient), and starts a Nest
 * microservice with `controllers` and `providers` on `strategy`, its logger off.
 */
export async function startSuiteServer(
  strategy: ServerAMQP,
  controllers: Type[],
  options: { providers?: Provider[]; deadLetterQueues?: string[] } = {},
): Promise<SuiteServer> {
  const admin = await Admin.open();
  for (const queue of options.deadLetterQueues ?? []) await admin.channel.assertQueue(queue, { durable: false });
  const moduleRef = await Test.createTestingModule({ controllers, providers: options.providers ?? [] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy });
  app.useLogger(false);
  await app.listen();
  return { app, admin };
}

/** Closes the app, deletes `queues`, closes the admin connection (each step skipped when not started). */
export async function stopSuiteServer(server: SuiteServer | undefined, queues: string[]): Promise<void> {
  await server?.app.close();
  await server?.admin.cleanup(queues);
  await server?.admin.close();
}

/** Options of a transient queue whose rejected messages go to `dlq` through the default exchange. */
export function deadLetteringTo(dlq: string): { durable: false; arguments: Record<string, string> } {
  return { durable: false, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq } };
}
