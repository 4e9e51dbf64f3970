/**
 * @golevelup/nestjs-rabbitmq's option names, accepted where docs/migrating-from-golevelup.md maps them:
 * each is honoured with golevelup's meaning, warned once when it means nothing here, or refused by name
 * when it cannot be honoured. The module's reader turns them into this package's options.
 */
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpSocketOptions } from './socket-options.js';

/** golevelup's `MessageHandlerErrorBehavior`: ACK, NACK (dead-letter) or REQUEUE. */
export type GolevelupErrorBehavior = 'ACK' | 'NACK' | 'REQUEUE';

/** golevelup's `connectionInitOptions`. */
export interface GolevelupConnectionInitOptions {
  /** `false`: the app starts without waiting for the broker (`startup: 'background'`). @default true */
  wait?: boolean;
  /** Milliseconds to wait for the first connection (`startupTimeout`). */
  timeout?: number;
  /** `false`: after `timeout` the app starts anyway and keeps connecting in the background. @default true */
  reject?: boolean;
}

/** golevelup's exchange `options` (amqplib's assertExchange options). */
export interface GolevelupExchangeOptions {
  durable?: boolean;
  internal?: boolean;
  autoDelete?: boolean;
  /** `alternate-exchange` argument. */
  alternateExchange?: string;
  arguments?: FieldTable;
}

/** golevelup's `channels` entry: only a default channel's `prefetchCount` has a meaning here. */
export interface GolevelupChannelConfig {
  prefetchCount?: number;
  default?: boolean;
}

/**
 * Transport.RMQ's option names, so that one RmqOptions object configures AmqpModule too: the
 * connection (`urls`, `socketOptions`, `maxConnectionAttempts`) and the publisher defaults
 * (`persistent`, `headers`) are the module's own options; these declare what ClientRMQ declares on
 * connect, or are accepted with a WARN (the module has no default-queue consumer).
 */
export interface TransportRmqModuleOptions {
  /** Declared when the module starts (unless `noAssert`), with `queueOptions`, as ClientRMQ asserts its queue. */
  queue?: string;
  /** amqplib's assertQueue options of `queue` (shortcuts become x-arguments, as amqplib sets them). */
  queueOptions?: Record<string, unknown>;
  /** `true`: `queue` is not declared. @default false */
  noAssert?: boolean;
  /** Declared when the module starts, of `exchangeType`, as ClientRMQ declares it. */
  exchange?: string;
  /** The type of `exchange` (or of the wildcards exchange). @default 'topic' */
  exchangeType?: string;
  /** Arguments of `exchange`. */
  exchangeArguments?: Record<string, unknown>;
  /** `true`: an exchange named `exchange` (or `queue`) of type `exchangeType` (topic) is declared, as ClientRMQ does. */
  wildcards?: boolean;
  /** Accepted with a WARN: the consumer options of a Transport.RMQ server (a module consumer takes its own). */
  noAck?: boolean;
  /** Accepted with a WARN: a Transport.RMQ server's consumer option. */
  isGlobalPrefetchCount?: boolean;
  /** Accepted with a WARN: a Transport.RMQ server's consumer option. */
  consumerTag?: string;
  /** Accepted with a WARN: bind queues with `bindings`. */
  routingKey?: string;
  /** Accepted with a WARN: AmqpPublisher.request always uses direct reply-to. */
  replyQueue?: string;
}

/** golevelup's module option names (RabbitMQConfig) that AmqpModule reads. */
export interface GolevelupModuleOptions {
  /** golevelup's name for `urls`: one URL or several. Give `urls` or `uri`, not both. */
  uri?: string | string[];
  /** golevelup's start-up options: `wait: false` = `startup: 'background'`, `timeout` = `startupTimeout`. */
  connectionInitOptions?: GolevelupConnectionInitOptions;
  /** golevelup's `connectionManagerOptions` (amqp-connection-manager's): read as `socketOptions`. */
  connectionManagerOptions?: AmqpSocketOptions;
  /** golevelup's default prefetch of every consumer: `consumerDefaults.prefetch`. */
  prefetchCount?: number;
  /** golevelup's name for `requestTimeout`. */
  defaultRpcTimeout?: number;
  /** The type of an exchange of `exchanges` that gives none. @default 'direct' */
  defaultExchangeType?: string;
  /** golevelup's default error behaviour of consumers: `consumerDefaults.onError` (ACK = 'ack', NACK = 'dead-letter', REQUEUE = 'requeue'). */
  defaultSubscribeErrorBehavior?: GolevelupErrorBehavior;
  /** Accepted with a WARN: consumers here are not split into RPC and subscribe handlers (set `onError` per consumer). */
  defaultRpcErrorBehavior?: GolevelupErrorBehavior;
  /** golevelup's channels: a `default: true` channel's `prefetchCount` becomes the consumers' default prefetch; the rest is warned (every consumer has its own channel here). */
  channels?: Record<string, GolevelupChannelConfig>;
  /** `false`: the module runs no `@QueueConsumer` of providers on this connection (it only publishes). @default true */
  registerHandlers?: boolean;
  /** Requests always use direct reply-to here: `false` is accepted with a WARN. */
  enableDirectReplyTo?: boolean;
  /** Accepted with a WARN: controllers' consumers run with ServerAMQP, nothing to enable. */
  enableControllerDiscovery?: boolean;
  /** golevelup's named handler settings: read as `consumers` entries (golevelup's handler option names included). */
  handlers?: Record<string, Record<string, unknown>>;
}
