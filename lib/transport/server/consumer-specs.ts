import type { FieldTable } from '../../protocol/index.js';
import { queueArguments, routingKeysOf, type QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { ConsumerSpec } from './consumer-runner.js';
import type { ConsumerTopology } from './consumer-topology.js';
import type { ServerAMQPOptions } from './server-amqp.options.js';

/** A @QueueConsumer's prefetch when none is given: bounded, so a slow handler cannot pull a whole queue into memory, and work spreads across instances. */
export const DEFAULT_PREFETCH = 10;
/**
 * The default queue's prefetch when none is given. Higher than a consumer's: RPC and event handlers
 * are usually short, and each message is acked only after its reply went out, so a window of 10
 * left the server idle waiting on round trips (measured: roughly half the calls/s of 100).
 */
export const DEFAULT_QUEUE_PREFETCH = 100;

/** The registry name of a server's default queue consumer. */
export const DEFAULT_QUEUE_CONSUMER_NAME = 'ServerAMQP.defaultQueue';

/** The consumer spec of one `@QueueConsumer`, with every default applied. */
export function queueConsumerSpec(metadata: QueueConsumerMetadata): ConsumerSpec {
  const { queue, options } = metadata;
  const topology: ConsumerTopology = {
    queue,
    declare: {
      passive: options.passive ?? false,
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
    prefetch: options.prefetch ?? DEFAULT_PREFETCH,
    autoAck: ack === 'none',
    confirm: ack === 'auto' && (options.retry?.attempts ?? 0) > 0,
    consumerTag: options.consumerTag,
    exclusive: options.exclusiveConsumer,
    arguments: options.consumerArguments,
  };
}

/** The consumer spec of the server's default queue (Nest RMQ's options and names). */
export function defaultQueueSpec(options: ServerAMQPOptions): ConsumerSpec {
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
  if (options.exchange !== undefined) {
    const type = options.exchangeType ?? 'topic';
    topology.exchange = { name: options.exchange, type, durable: true, autoDelete: false, internal: false, arguments: {} };
    const keys = options.routingKey === undefined ? [type === 'topic' ? '#' : ''] : [options.routingKey].flat();
    for (const routingKey of keys) topology.bindings.push({ exchange: options.exchange, routingKey });
  }
  return {
    label: `default queue "${queue === '' ? '(server-named)' : queue}"`,
    name: DEFAULT_QUEUE_CONSUMER_NAME,
    topology,
    prefetch: options.prefetchCount ?? DEFAULT_QUEUE_PREFETCH,
    autoAck: options.noAck ?? false,
    confirm: false,
    consumerTag: options.consumerTag,
  };
}
