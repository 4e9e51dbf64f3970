import type { Deserializer, Serializer } from '@nestjs/microservices';
import type { ConsumerHealingOptions } from './consumer-healing.options.js';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConsumersConfig } from './amqp-consumer.config.js';
import type { AmqpConnectionOptions } from './connection-options.js';
import type { AmqpQueueShortcuts } from './queue-options.js';
import type { AmqpSocketOptions } from './socket-options.js';

/** The default queue's declaration (Nest RMQ's `queueOptions`, amqplib's names and shortcuts). */
export interface ServerAMQPQueueOptions extends AmqpQueueShortcuts {
  /** @default true (false for the server-named default queue, which is exclusive instead) */
  durable?: boolean;
  /** @default false (true for a server-named queue, so it dies with the connection) */
  exclusive?: boolean;
  /** @default false */
  autoDelete?: boolean;
  arguments?: FieldTable;
  /** Do not declare the queue, consume it as it is (Nest RMQ's `noAssert`). */
  noAssert?: boolean;
}

/**
 * Options of {@link ServerAMQP}: the connection, the default queue for @MessagePattern/@EventPattern,
 * shutdown. Every field of Nest's `RmqOptions['options']` is accepted with Transport.RMQ's meaning
 * (see docs/migrating-from-transport-rmq.md); an unknown key or a value of the wrong type fails the
 * constructor with an InvalidOptionError naming it.
 */
export interface ServerAMQPOptions extends AmqpConnectionOptions {
  /**
   * The default queue, served with Nest's RMQ wire format. '' (Nest 12 RMQ's default) is a
   * server-named queue. It is only consumed when this is set or the app has @MessagePattern /
   * @EventPattern handlers (a server with only @QueueConsumer methods declares nothing extra).
   * @default ''
   */
  queue?: string;
  queueOptions?: ServerAMQPQueueOptions;
  /** Nest RMQ's `noAssert`: consume the default queue without declaring it. @default false */
  noAssert?: boolean;
  /** Prefetch of the default queue's channel (0 = unlimited, Transport.RMQ's default). @default 100 */
  prefetchCount?: number;
  /** basic.qos `global`: the prefetch is shared by the channel's consumers (RabbitMQ's per-channel limit). @default false */
  isGlobalPrefetchCount?: boolean;
  /**
   * Nest RMQ's `noAck`. The default here is false: requests are acked once answered and events once
   * handled (at-least-once); true makes the broker forget messages as it sends them.
   * @default false
   */
  noAck?: boolean;
  /**
   * An exchange to declare (durable, `exchangeType`) and bind the default queue to with `routingKey`
   * (every key, for fanout). With `wildcards` it defaults to the queue's name.
   */
  exchange?: string;
  /** @default 'topic' */
  exchangeType?: 'direct' | 'fanout' | 'topic' | 'headers' | (string & {});
  /** x-arguments of the exchange declaration (`alternate-exchange` ...). @default {} */
  exchangeArguments?: FieldTable;
  /**
   * Routing key(s) binding the default queue to `exchange`. Without one (and without `wildcards`)
   * the queue is not bound, as with Transport.RMQ. @default none
   */
  routingKey?: string | string[];
  /**
   * Transport.RMQ's topic routing: the exchange (`exchange`, else the queue's name) is declared, the
   * queue is bound with each handler's pattern, and a message's pattern finds its handler by topic
   * matching (`orders.*`, `audit.#`) when no handler has it exactly.
   * @default false
   */
  wildcards?: boolean;
  /** Nest RMQ's `socketOptions`: heartbeat, reconnect delay, TLS, TCP, client properties, credentials. */
  socketOptions?: AmqpSocketOptions;
  /** For messages without Nest's envelope: the header holding the pattern (the routing key otherwise). */
  patternHeader?: string;
  /**
   * For a default queue without `x-dead-letter-exchange` in `queueOptions.arguments`: a queue of this
   * name is declared and messages that fail (or that nobody handles) are moved to it, confirmed, then
   * acked. `false`: nack without requeue (dropped unless a broker policy gives the queue a DLX).
   * @default `${queue}.dlq` (none for a server-named queue: a start-up warning says so)
   */
  deadLetterQueue?: string | false;
  /** A fixed consumer tag for the default queue. */
  consumerTag?: string;
  /**
   * How the default queue's consumer comes back when the broker ends its channel or consumer (406,
   * queue deleted, 404 on re-declare): restarted with backoff, its topology declared again. `false`:
   * stays down. The server's `@QueueConsumer`s have their own `healing`.
   * @default { attempts: 10, initialDelay: 1000, maxDelay: 30000 }
   */
  healing?: ConsumerHealingOptions | false;
  /**
   * Body bytes the default queue's in-flight deliveries may hold: at most this plus one message. Given,
   * the prefetch window starts at 1 and follows the body sizes (floor(bound / largest recent body), at
   * most `prefetchCount`); by default it starts at `prefetchCount` and is lowered once big bodies
   * arrive. Past the bound (bodies from 64 KiB up counted) consumption also pauses until handlers bring it under half.
   * @default 268435456 (256 MiB)
   */
  maxInFlightBytes?: number;
  /**
   * The broker's `consumer_timeout` for the default queue, in milliseconds: a handler still running at
   * 80% of it gets one WARN per delivery (past it the broker closes the channel with a 406).
   * @default the queue's `x-consumer-timeout` argument, else 1800000 (RabbitMQ's 30 min)
   */
  consumerTimeoutMs?: number;
  /** How long `close()` waits for in-flight handlers before closing channels (their messages are then redelivered). @default 10000 */
  shutdownTimeout?: number;
  /** Nest serializer for replies. @default AmqpReplySerializer (RmqRecordSerializer's contract, for replies) */
  serializer?: Serializer;
  /** Nest deserializer for incoming packets. @default AmqpRequestDeserializer (Nest's IncomingRequestDeserializer contract, on Nest 11 and 12) */
  deserializer?: Deserializer;
  /** A producer option of Nest's RmqOptions: accepted so one options object serves both sides; the server sends no requests. */
  replyQueue?: string;
  /** A producer option of Nest's RmqOptions (replies are sent as the request's delivery mode allows): accepted, no effect on the server. */
  persistent?: boolean;
  /** A producer option of Nest's RmqOptions: accepted, no effect on the server. */
  headers?: FieldTable;
  /**
   * Named consumer settings for `@QueueConsumer({ config: name })` methods of controllers (queue
   * name, bindings, prefetch, retry ... per environment). A name no entry has fails `listen`.
   */
  consumers?: AmqpConsumersConfig;
}
