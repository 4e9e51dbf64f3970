import type { FieldTable } from '../../protocol/index.js';
import type { AmqpExchangeDefinition } from './exchange-definition.js';
import type { ConsumerHealingOptions } from './consumer-healing.options.js';
import type { BatchOptions, ConsumerErrorPolicy, QueueMismatchPolicy, StreamOptions } from './consumer-pipeline.options.js';

/** How deliveries of a consumer are acknowledged. */
export type AckMode = 'auto' | 'manual' | 'none';

/** An exchange the consumer declares before binding its queue to it. */
export type QueueConsumerExchange = AmqpExchangeDefinition;

/** One binding of the consumer's queue: to an exchange, by routing key and/or headers (`x-match`). */
export interface QueueConsumerBinding {
  exchange: string;
  /** @default '' */
  routingKey?: string;
  /** Binding arguments; for a headers exchange the headers to match plus `x-match: 'all' | 'any'`. */
  arguments?: FieldTable;
}

/**
 * Bounded retry of a failed message ('auto' ack mode), before `onError` decides. The copy carries
 * `x-retry-count` and the original is acked once the broker confirmed the copy.
 * - `via: 'process'` (the default): the copy goes to the tail of the queue after an in-process wait.
 *   For short delays: the original holds a prefetch slot during the wait, and a restart loses the
 *   wait (the broker redelivers the original at once).
 * - `via: 'broker'`: the copy waits in a retry queue of the consumer (`<queue>.retry.<delay>`, one
 *   per delay of the ladder, TTL = that delay, dead-lettering back to the queue through the default
 *   exchange). The wait holds no prefetch slot and survives restarts.
 */
export interface RetryOptions {
  /** Extra attempts after the first failure (0 = none). */
  attempts: number;
  /** Milliseconds to wait before the first retry. @default 0 */
  delay?: number;
  /** Multiplier applied to `delay` per attempt (1 = fixed delay). @default 1 */
  backoff?: number;
  /** Longest wait of any attempt, in milliseconds. @default no cap */
  maxDelay?: number;
  /** Up to this fraction of each wait taken off at random (0 to 1), so retries of a burst spread out. @default 0 */
  jitter?: number;
  /** Where the wait happens. @default 'process' */
  via?: 'process' | 'broker';
}

/** Options of `@QueueConsumer(queue, options)`. */
export interface QueueConsumerOptions {
  /** @default true */
  durable?: boolean;
  /** @default false */
  exclusive?: boolean;
  /** @default false */
  autoDelete?: boolean;
  /** Only check that the queue exists (passive declare); its options are then not asserted. @default false */
  passive?: boolean;
  /** Raw queue arguments (merged under the named shortcuts below). */
  arguments?: FieldTable;
  /** `x-dead-letter-exchange`: where rejected, expired and failed messages go. */
  deadLetterExchange?: string;
  /** `x-dead-letter-routing-key`. */
  deadLetterRoutingKey?: string;
  /** `x-message-ttl` in milliseconds. */
  messageTtl?: number;
  /** `x-max-length`. */
  maxLength?: number;
  /** `x-queue-type`. */
  queueType?: 'classic' | 'quorum' | 'stream';
  /** An exchange to declare; with `routingKeys` the queue is bound to it. */
  exchange?: QueueConsumerExchange;
  /** Routing keys binding the queue to `exchange` (requires `exchange`). */
  routingKeys?: string | string[];
  /** Further bindings to exchanges declared elsewhere (routing key and/or headers). */
  bindings?: QueueConsumerBinding[];
  /** basic.qos prefetch count for this consumer's channel (0 = unlimited). @default 10 */
  prefetch?: number;
  /**
   * 'auto' (default): ack after the handler (or its promise/observable) succeeds, nack without
   * requeue when it fails (dead-lettered when the queue has a DLX). 'manual': the handler calls
   * `ctx.ack() / ctx.nack() / ctx.reject()`. 'none': the broker considers a message delivered once sent.
   * @default 'auto'
   */
  ack?: AckMode;
  /** Opt-in bounded retry before a failed message is dead-lettered ('auto' mode only). */
  retry?: RetryOptions;
  /** A fixed consumer tag (the broker makes one otherwise). */
  consumerTag?: string;
  /** basic.consume exclusive flag: no other consumer may read the queue. @default false */
  exclusiveConsumer?: boolean;
  /** basic.consume arguments, e.g. `{ 'x-priority': 10 }`. */
  consumerArguments?: FieldTable;
  /**
   * Hand the handler the `data` of a Nest event envelope: a JSON body that is exactly
   * `{pattern, data}` (plus optional string-valued `metadata`, then read with `ctx.getMetadata()`),
   * as Nest's ClientRMQ / ClientAMQP `emit()` sends into a queue, arrives as `data`, the way Nest's
   * ServerRMQ treats it. Off by default: a queue is shared with producers we do not control, and a
   * body of theirs with those keys must not be reshaped. Anything else (a request `{pattern, data, id}`,
   * extra keys, non-JSON) arrives as is either way; `ctx.getMessage().content` is always the raw body.
   * @default false
   */
  unwrapNestEnvelope?: boolean;

  // ---- what happens to a delivery: replies, failures, batches, streams (consumer-pipeline.options.ts) ----
  /**
   * Answer a message that carries `replyTo` with the handler's return value (plain AMQP RPC: the
   * reply goes to `replyTo` through the default exchange with the request's `correlationId`).
   * @default true
   */
  reply?: boolean;
  /** What happens to a message whose handler failed (after `retry`, if any). @default 'dead-letter' */
  onError?: ConsumerErrorPolicy;
  /** With `onError: 'requeue'`: redeliveries allowed before the message is dead-lettered instead. @default 5 */
  maxRedeliveries?: number;
  /**
   * For a queue without `x-dead-letter-exchange` among its declared arguments: a queue of this name
   * is declared and a dead-lettered message is republished to it (confirmed) before being acked.
   * `false`: nack without requeue, which the broker drops unless a policy gives the queue a DLX.
   * @default `${queue}.dlq`
   */
  deadLetterQueue?: string | false;
  /** At start-up, when the queue exists with other arguments. @default 'fail' */
  onQueueMismatch?: QueueMismatchPolicy;
  /** Hand the handler arrays of up to `size` messages (`ack: 'auto'` only; prefetch >= size). */
  batch?: BatchOptions;
  /** A stream queue consumer (implies `queueType: 'stream'`): offset, offset tracking, failure policy, retention. */
  stream?: StreamOptions;
  /**
   * How the consumer comes back when the broker ends its channel or consumer (406, queue deleted,
   * 404 on re-declare): restarted with backoff, its topology declared again. `false`: stays down.
   * @default { attempts: 10, initialDelay: 1000, maxDelay: 30000 }
   */
  healing?: ConsumerHealingOptions | false;
  /**
   * Body bytes this consumer's in-flight deliveries may hold: at most this plus one message. RabbitMQ
   * ignores a byte prefetch, so the prefetch count carries it: given, the window starts at 1 and
   * follows the body sizes (floor(bound / largest recent body), at most `prefetch`); by default it
   * starts at `prefetch` and is lowered once big bodies arrive. Past the bound (bodies from 64 KiB up
   * counted) consumption also pauses until the handlers bring it under half. A stream keeps its prefetch.
   * @default 268435456 (256 MiB)
   */
  maxInFlightBytes?: number;
  /**
   * The broker's `consumer_timeout` for this consumer, in milliseconds: a delivery left unacked this
   * long makes the broker close the channel (406; the consumer heals and the message is redelivered).
   * A handler still running at 80% of it gets one WARN (per delivery) naming the consumer, the
   * message and the time elapsed. Say it when the broker's setting (or a policy) is not the default.
   * @default the queue's `x-consumer-timeout` argument, else 1800000 (RabbitMQ's 30 min)
   */
  consumerTimeoutMs?: number;
  // ---- where it runs (consumers run by AmqpModule: on providers, or added at run time) ----
  /**
   * The AmqpModule connection (`forRoot({ name })`) a provider's consumer runs on, and whose
   * `consumers` settings a `{ config }` consumer is read from. Not for controllers (ServerAMQP runs
   * those on its own connection: giving it there fails `listen`).
   * @default the unnamed AmqpModule
   */
  connection?: string;
}
