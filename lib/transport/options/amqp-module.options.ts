import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConsumersConfig } from './amqp-consumer.config.js';
import type { AmqpConnectionOptions } from './connection-options.js';
import type { AmqpExchangeDefinition } from './exchange-definition.js';
import type { GolevelupModuleOptions, TransportRmqModuleOptions } from './golevelup-options.js';
import type { ConsumerErrorAction } from './consumer-pipeline.options.js';
import type { AmqpSocketOptions } from './socket-options.js';

export type { AmqpExchangeDefinition } from './exchange-definition.js';

/** A queue declared when the module starts. */
export interface AmqpQueueDefinition {
  name: string;
  /** @default true */
  durable?: boolean;
  /** @default false */
  exclusive?: boolean;
  /** @default false */
  autoDelete?: boolean;
  /** Queue arguments: `x-queue-type`, `x-dead-letter-exchange`, `x-message-ttl` ... */
  arguments?: FieldTable;
}

/** A binding made when the module starts: a queue (or an exchange) to a source exchange. */
export interface AmqpBindingDefinition {
  /** The source exchange. */
  exchange: string;
  /** The bound queue; give either this or `destinationExchange`. */
  queue?: string;
  /** The bound exchange, for an exchange-to-exchange binding. */
  destinationExchange?: string;
  /** @default '' */
  routingKey?: string;
  /** Binding arguments (headers exchanges: the headers plus `x-match`). */
  arguments?: FieldTable;
}

/** Exchanges, then queues, then bindings, declared in that order when the module starts. */
export interface AmqpTopology {
  exchanges?: AmqpExchangeDefinition[];
  queues?: AmqpQueueDefinition[];
  bindings?: AmqpBindingDefinition[];
}

/** Turns AmqpPublisher payloads into message bodies (and request replies back into values). */
export interface AmqpPublisherSerializer {
  /** The body of a payload, with the content type that says how to read it. */
  serialize(payload: unknown): { body: Buffer; contentType?: string };
  /** A reply body of AmqpPublisher.request. @default JSON, text or the raw Buffer by content type */
  deserialize?(body: Buffer, contentType: string | undefined): unknown;
}

/** How the module starts when the broker is not there yet. */
export type AmqpModuleStartup = 'wait' | 'background';

/** Defaults of the module's consumers (a consumer's own option wins). */
export interface AmqpConsumerDefaults {
  /** basic.qos prefetch of each consumer that gives none. @default 10 */
  prefetch?: number;
  /** What happens to a failed message of a consumer that says nothing. @default 'dead-letter' */
  onError?: ConsumerErrorAction;
}

/** Options of `AmqpModule.forRoot()` / `forRootAsync()`. */
export interface AmqpModuleOptions extends AmqpConnectionOptions, AmqpTopology, GolevelupModuleOptions, TransportRmqModuleOptions {
  /**
   * 'wait': the app starts once connected, waiting for a late broker as ServerAMQP does (bounded by
   * `maxConnectionAttempts` and `startupTimeout`). 'background': the app starts at once and keeps
   * connecting; until connected, publishes wait within the outage budget (`recovery.outage`) or fail
   * with OutageBudgetError, consumers start once connected, and the health indicator reports down.
   * @default 'wait'
   */
  startup?: AmqpModuleStartup;
  /** Nest RMQ's `socketOptions` (amqp-connection-manager's), read as ServerAMQP reads them. */
  socketOptions?: AmqpSocketOptions;
  /** Defaults of the consumers run on this connection. */
  consumerDefaults?: AmqpConsumerDefaults;
  /** Default of AmqpPublisher's `persistent` (delivery mode 2). @default false */
  persistent?: boolean;
  /** Headers added to every message the publisher sends (a message's own headers win). */
  headers?: FieldTable;
  /** Milliseconds AmqpPublisher.request waits for a reply. @default 30000 */
  requestTimeout?: number;
  /** How AmqpPublisher encodes payloads. @default JSON, Buffers as they are (`application/octet-stream`) */
  serializer?: AmqpPublisherSerializer;
  /**
   * Named consumer settings for `@QueueConsumer({ config: name })` on providers running on this
   * connection (and `AmqpConsumerRegistry.add({ config })`): queue names, bindings, prefetch, retry
   * per environment. A name no entry has fails start-up naming it.
   */
  consumers?: AmqpConsumersConfig;
}
