/** What a test reads about a queue of the in-memory broker (live: each getter reads the queue now). */
import type { BasicProperties, FieldTable } from '../protocol/index.js';
import type { MemoryQueue } from './broker/memory-queue.js';
import { bodyReaders } from './broker/journal.js';

/** A ready message in a queue. */
export interface QueuedMessageView {
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: BasicProperties;
  readonly body: Buffer;
  readonly redelivered: boolean;
  text(): string;
  json<T = unknown>(): T;
}

/** A queue of the in-memory broker. */
export interface QueueView {
  readonly name: string;
  readonly vhost: string;
  readonly type: 'classic' | 'quorum';
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: FieldTable;
  /** Ready messages (not counting those delivered and not yet acked). */
  readonly messageCount: number;
  /** Delivered and not yet acked. */
  readonly unackedCount: number;
  readonly consumerCount: number;
  /** Deliveries its consumers settled (ack, nack, reject) plus auto-acked ones. */
  readonly handled: number;
  /** The ready messages, head first. */
  messages(): QueuedMessageView[];
}

export function queueView(vhost: string, q: MemoryQueue): QueueView {
  return {
    name: q.name,
    vhost,
    type: q.args.type,
    durable: q.durable,
    exclusive: q.owner !== undefined,
    autoDelete: q.autoDelete,
    arguments: q.declaredArgs as FieldTable,
    get messageCount() {
      return q.messageCount;
    },
    get unackedCount() {
      return q.unacked;
    },
    get consumerCount() {
      return q.consumers.length;
    },
    get handled() {
      return q.handled;
    },
    messages: () =>
      q.readyMessages().map((e) => ({
        exchange: e.message.exchange,
        routingKey: e.message.routingKey,
        properties: e.message.properties,
        body: e.message.body,
        redelivered: e.redelivered,
        ...bodyReaders(e.message.body),
      })),
  };
}
