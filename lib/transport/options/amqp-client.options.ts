import type { Deserializer, Serializer } from '@nestjs/microservices';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConnectionOptions } from './connection-options.js';
import type { AmqpQueueShortcuts } from './queue-options.js';
import type { AmqpSocketOptions } from './socket-options.js';

/** Options of a queue the client declares before its first message (as Nest's ClientRMQ asserts it). */
export interface AmqpClientQueueOptions extends AmqpQueueShortcuts {
  /** @default true */
  durable?: boolean;
  /** @default false */
  exclusive?: boolean;
  /** @default false */
  autoDelete?: boolean;
  arguments?: FieldTable;
  /** Do not declare `queue` (Nest RMQ reads it here too). @default false */
  noAssert?: boolean;
}

/**
 * Options of {@link ClientAMQP}, as given to `ClientsModule.register([{ name, customClass: ClientAMQP, options }])`
 * (or, typed, `amqpClient({ name, options })`). Every field of Nest's `RmqOptions['options']` is
 * accepted with ClientRMQ's meaning; an unknown key or a value of the wrong type fails the
 * constructor with an InvalidOptionError naming it.
 */
export interface AmqpClientOptions extends AmqpConnectionOptions {
  /**
   * The server's queue: requests and events go there through the default exchange (with `wildcards`
   * or a fanout `exchangeType`, it is the exchange's default name). Set it (Nest's RMQ default ''
   * names no queue; a request to it is returned by the broker as unroutable).
   * @default ''
   */
  queue?: string;
  /** How `queue` is declared when the client asserts it (amqplib's shortcuts included). @default { durable: true } */
  queueOptions?: AmqpClientQueueOptions;
  /** Do not declare `queue` (it belongs to the server, or the user has no configure permission). @default false */
  noAssert?: boolean;
  /**
   * ClientRMQ's meaning: with `wildcards` (or a fanout `exchangeType`) messages are published to this
   * exchange (declared durable, `exchangeType`) with the pattern as routing key, and it defaults to
   * `queue`. Without them messages still go to `queue`, and when `routingKey` is also given the queue
   * is bound to this (existing) exchange with it. A message can still choose its own with an AmqpRecord.
   */
  exchange?: string;
  /** @default 'topic' */
  exchangeType?: 'direct' | 'fanout' | 'topic' | 'headers' | (string & {});
  /** x-arguments of the exchange declaration. @default {} */
  exchangeArguments?: FieldTable;
  /** With `exchange` (no wildcards): the key binding `queue` to `exchange`. */
  routingKey?: string;
  /** Publish to the exchange with the pattern as routing key (for a server with `wildcards`). @default false */
  wildcards?: boolean;
  /** Where replies come back. @default 'amq.rabbitmq.reply-to' (direct reply-to, no queue to declare) */
  replyQueue?: string;
  /** basic.qos of the client's reply channel. @default 0 */
  prefetchCount?: number;
  /** basic.qos `global` of the reply channel. @default false */
  isGlobalPrefetchCount?: boolean;
  /** Replies are consumed in no-ack mode (direct reply-to requires it); `false` is refused. @default true */
  noAck?: boolean;
  /** Consumer tag of the reply consumer. @default the broker's */
  consumerTag?: string;
  /** Milliseconds to wait for a reply (and between streamed replies) before failing the call. @default 30000 */
  timeout?: number;
  /** Messages survive a broker restart (delivery mode 2). @default false, as Nest's RMQ transport */
  persistent?: boolean;
  /** Headers added to every message (a message's own headers win). */
  headers?: FieldTable;
  /** Nest RMQ's `socketOptions`: heartbeat, reconnect delay, TLS, TCP, client properties, credentials. */
  socketOptions?: AmqpSocketOptions;
  /** Nest serializer of outgoing packets. @default AmqpRecordSerializer */
  serializer?: Serializer;
  /** Nest deserializer of replies. @default Nest's IncomingResponseDeserializer */
  deserializer?: Deserializer;
}

/** Nest's RMQ default (RMQ_DEFAULT_QUEUE). */
export const DEFAULT_CLIENT_QUEUE = '';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
