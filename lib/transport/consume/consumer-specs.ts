import type { FieldTable } from '../../protocol/index.js';
import { queueArguments, routingKeysOf, type QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import { isStreamConsumer } from '../options/consumer-pipeline.validate.js';
import type { QueueMismatchPolicy } from '../options/consumer-pipeline.options.js';
import type { ConsumerTopology } from './consumer-topology.js';
import type { ServerAMQPOptions } from '../options/server-amqp.options.js';
import { DEFAULT_CONSUMER_TIMEOUT_MS, MAX_TIMER_MS, readHealing, type ConsumerHealingOptions } from '../options/consumer-healing.options.js';

/** Everything one consumer needs to start: its topology, qos, ack mode and consume flags. */
export interface ConsumerSpec {
  /** Names the consumer in logs and errors. */
  label: string;
  /** Names it for run-time control (the consumer registry): `Class.method`, or the name given. */
  name?: string;
  topology: ConsumerTopology;
  /** basic.qos prefetch count (0 = unlimited). */
  prefetch: number;
  /** basic.qos `global` (Nest RMQ's isGlobalPrefetchCount). */
  prefetchGlobal?: boolean | undefined;
  /** True for ack mode 'none': the broker forgets a message once sent. */
  autoAck: boolean;
  /** Puts the channel in confirm mode (for retry republishes that must be confirmed before the ack). */
  confirm: boolean;
  consumerTag?: string | undefined;
  exclusive?: boolean | undefined;
  arguments?: FieldTable | undefined;
  /** When the queue exists with other arguments: fail, consume it as it is, or (set in `topology`) only check it exists. @default 'fail' */
  onQueueMismatch?: QueueMismatchPolicy | undefined;
  /** A stream queue: its deliveries refuse nack and reject. */
  stream?: boolean | undefined;
  /** Said once (WARN) when the consumer has started, e.g. a queue without a dead-letter exchange. */
  notices?: string[] | undefined;
  /** Body bytes its in-flight deliveries may hold before consumption pauses; undefined: no bound. */
  maxInFlightBytes?: number | undefined;
  /** True when `maxInFlightBytes` was given: the prefetch window then starts at 1 (else at the prefetch, lowered as bodies require). */
  boundGiven?: boolean | undefined;
  /** How it comes back when the broker ends its channel or consumer; false or undefined: it stays down. */
  healing?: Required<ConsumerHealingOptions> | false | undefined;
  /** The broker's consumer_timeout, for the warning at 80% of it; undefined for ack: 'none' (nothing stays unacked). */
  consumerTimeoutMs?: number | undefined;
}

/** A @QueueConsumer's prefetch when none is given: bounded, so a slow handler cannot pull a whole queue into memory, and work spreads across instances. */
export const DEFAULT_PREFETCH = 10;
/**
 * The default queue's prefetch when none is given. Higher than a consumer's: RPC and event handlers
 * are usually short, and each message is acked only after its reply went out, so a window of 10
 * left the server idle waiting on round trips (measured: roughly half the calls/s of 100).
 */
export const DEFAULT_QUEUE_PREFETCH = 100;

/** The bytes a consumer's in-flight deliveries may hold when no `maxInFlightBytes` is given. */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/** The registry name of a server's default queue consumer. */
export const DEFAULT_QUEUE_CONSUMER_NAME = 'ServerAMQP.defaultQueue';

/** The consumer spec of one `@QueueConsumer`, with every default applied. */
export function queueConsumerSpec(metadata: QueueConsumerMetadata): ConsumerSpec {
  const { queue, options } = metadata;
  const topology: ConsumerTopology = {
    queue,
    declare: {
      passive: options.passive ?? options.onQueueMismatch === 'passive',
      durable: options.durable ?? true,
      exclusive: options.exclusive ?? false,
      autoDelete: options.autoDelete ?? false,
      arguments: queueArguments(options),
    },
    bindings: [],
  };
  const exchange = options.exchange;
  if (exchange !== undefined) {
    topology.exchange = {
      name: exchange.name,
      type: exchange.type ?? 'direct',
      durable: exchange.durable ?? true,
      autoDelete: exchange.autoDelete ?? false,
      internal: exchange.internal ?? false,
      arguments: exchange.arguments ?? {},
    };
    const keys = routingKeysOf(options);
    for (const routingKey of keys.length === 0 ? [''] : keys) topology.bindings.push({ exchange: exchange.name, routingKey });
  }
  for (const binding of options.bindings ?? []) {
    topology.bindings.push({
      exchange: binding.exchange,
      routingKey: binding.routingKey ?? '',
      ...(binding.arguments === undefined ? {} : { arguments: binding.arguments }),
    });
  }
  const ack = options.ack ?? 'auto';
  const name = metadata.pattern.slice(metadata.pattern.lastIndexOf(':') + 1);
  return {
    label: `@QueueConsumer("${queue}") ${name}`,
    name,
    topology,
    // A batch needs a window of at least its size; a stream needs one at all.
    prefetch: options.prefetch ?? Math.max(DEFAULT_PREFETCH, options.batch?.size ?? 0),
    autoAck: ack === 'none',
    confirm: ack === 'auto' && (options.retry?.attempts ?? 0) > 0,
    consumerTag: options.consumerTag,
    exclusive: options.exclusiveConsumer,
    arguments: consumeArguments(metadata),
    onQueueMismatch: options.onQueueMismatch ?? 'fail',
    stream: isStreamConsumer(options),
    healing: readHealing('healing', options.healing),
    maxInFlightBytes: options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES,
    boundGiven: options.maxInFlightBytes !== undefined,
    consumerTimeoutMs: ack === 'none' ? undefined : consumerTimeoutOf(options.consumerTimeoutMs, topology.declare),
  };
}

/** The option, else the queue's `x-consumer-timeout` (RabbitMQ 3.12+), else the broker's default. */
function consumerTimeoutOf(given: number | undefined, declare: ConsumerTopology['declare']): number {
  if (given !== undefined) return given;
  const declared = declare === false ? undefined : declare.arguments['x-consumer-timeout'];
  return typeof declared === 'number' && declared >= 1 && declared <= MAX_TIMER_MS ? declared : DEFAULT_CONSUMER_TIMEOUT_MS;
}

/**
 * basic.consume arguments: `consumerArguments`, plus a stream's `x-stream-offset`. A fresh table per
 * spec: a stream's offset tracker moves its offset, and the connection's recovery replays this table.
 */
function consumeArguments(metadata: QueueConsumerMetadata): FieldTable | undefined {
  const options = metadata.options;
  if (!isStreamConsumer(options)) return options.consumerArguments;
  return { ...options.consumerArguments, 'x-stream-offset': options.stream?.offset ?? 'next' };
}

/**
 * The consumer spec of the server's default queue, as Transport.RMQ sets it up: the queue (amqplib's
 * declaration defaults), and with `exchange` or `wildcards` a durable exchange (named after the queue
 * when `wildcards` gives none) bound with `routingKey` (every key for fanout) and, with `wildcards`,
 * with each handler pattern. `patterns` are the server's @MessagePattern/@EventPattern routes.
 */
export function defaultQueueSpec(options: ServerAMQPOptions, patterns: readonly string[] = []): ConsumerSpec {
  const queue = options.queue ?? '';
  const serverNamed = queue === '';
  const queueOptions = options.queueOptions ?? {};
  const noAssert = !serverNamed && (options.noAssert ?? queueOptions.noAssert ?? false);
  const topology: ConsumerTopology = {
    queue,
    declare: noAssert
      ? false
      : {
          passive: false,
          durable: queueOptions.durable ?? !serverNamed,
          exclusive: queueOptions.exclusive ?? serverNamed,
          autoDelete: queueOptions.autoDelete ?? false,
          arguments: { ...(queueOptions.arguments ?? {}) } as FieldTable,
        },
    bindings: [],
  };
  const wildcards = options.wildcards === true;
  const exchange = options.exchange !== undefined && options.exchange !== '' ? options.exchange : wildcards ? queue : undefined;
  if (exchange !== undefined) {
    const type = options.exchangeType ?? 'topic';
    const args = { ...(options.exchangeArguments ?? {}) } as FieldTable;
    topology.exchange = { name: exchange, type, durable: true, autoDelete: false, internal: false, arguments: args };
    const keys = type === 'fanout' ? [''] : options.routingKey === undefined ? [] : [options.routingKey].flat();
    if (wildcards) keys.push(...patterns);
    for (const routingKey of new Set(keys)) topology.bindings.push({ exchange, routingKey });
  }
  return {
    label: `default queue "${queue === '' ? '(server-named)' : queue}"`,
    name: DEFAULT_QUEUE_CONSUMER_NAME,
    topology,
    prefetch: options.prefetchCount ?? DEFAULT_QUEUE_PREFETCH,
    prefetchGlobal: options.isGlobalPrefetchCount,
    autoAck: options.noAck ?? false,
    confirm: false,
    consumerTag: options.consumerTag,
    healing: readHealing('healing', options.healing),
    maxInFlightBytes: options.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES,
    boundGiven: options.maxInFlightBytes !== undefined,
    consumerTimeoutMs: options.noAck === true ? undefined : consumerTimeoutOf(options.consumerTimeoutMs, topology.declare),
  };
}
