import type { Deserializer, Serializer } from '@nestjs/microservices';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConsumersConfig } from '../consumers/amqp-consumer.config.js';
import type { AmqpConnectionOptions } from '../interfaces/connection-options.interface.js';

/** The default queue's declaration (Nest RMQ's `queueOptions`, amqplib's names). */
export interface ServerAMQPQueueOptions {
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

/** Options of {@link ServerAMQP}: the connection, the default queue for @MessagePattern/@EventPattern, shutdown. */
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
  /** Prefetch of the default queue's channel (0 = unlimited). @default 100 */
  prefetchCount?: number;
  /**
   * Nest RMQ's `noAck`. The default here is false: requests are acked once answered and events once
   * handled (at-least-once); true makes the broker forget messages as it sends them.
   * @default false
   */
  noAck?: boolean;
  /** An exchange to declare and bind the default queue to (with `routingKey`). */
  exchange?: string;
  /** @default 'topic' */
  exchangeType?: string;
  /** Routing key(s) binding the default queue to `exchange`. @default '#' for topic, '' otherwise */
  routingKey?: string | string[];
  /** For messages without Nest's envelope: the header holding the pattern (the routing key otherwise). */
  patternHeader?: string;
  /** A fixed consumer tag for the default queue. */
  consumerTag?: string;
  /** How long `close()` waits for in-flight handlers before closing channels (their messages are then redelivered). @default 10000 */
  shutdownTimeout?: number;
  /** Nest serializer for replies. @default AmqpReplySerializer (RmqRecordSerializer's contract, for replies) */
  serializer?: Serializer;
  /** Nest deserializer for incoming packets. @default IncomingRequestDeserializer */
  deserializer?: Deserializer;
  /**
   * Named consumer settings for `@QueueConsumer({ config: name })` methods of controllers (queue
   * name, bindings, prefetch, retry ... per environment). A name no entry has fails `listen`.
   */
  consumers?: AmqpConsumersConfig;
}
