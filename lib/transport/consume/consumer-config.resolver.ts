import { InvalidArgumentError } from '../../protocol/errors.js';
import { validateQueueConsumerOptions, type QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { AmqpConsumersConfig } from '../options/amqp-consumer.config.js';
import { ConsumerConfigError } from '../core/consumer.errors.js';
import { readConsumerEntry } from '../options/queue-consumer-options.reader.js';
import type { OptionWarnings } from '../options/option-warnings.js';
import { redactCredentials } from '../logging/secret-text.js';

/** A ConsumerConfigError whose message (which may quote the entry's values) has URL credentials masked. */
function configError(configName: string, consumer: string, message: string): ConsumerConfigError {
  return new ConsumerConfigError(configName, consumer, redactCredentials(message));
}

/** `Class.method` of a decorated consumer (the last part of its pattern). */
export function consumerNameOf(metadata: QueueConsumerMetadata): string {
  return metadata.pattern.slice(metadata.pattern.lastIndexOf(':') + 1);
}

/** ServerAMQP runs a controller's consumer on its own connection: `connection` cannot be honoured there. */
export function assertNoConnection(metadata: QueueConsumerMetadata): void {
  if (metadata.options.connection === undefined) return;
  throw new InvalidArgumentError(
    'connection',
    `${consumerNameOf(metadata)} is a controller's consumer, run by ServerAMQP on its own connection; ` +
      `"connection: ${metadata.options.connection}" applies to consumers on providers (run by AmqpModule)`,
  );
}

/**
 * The metadata a consumer runs with: as decorated, or, for `@QueueConsumer({ config })`, the queue
 * and options of that entry laid over the decorator's defaults (the entry wins: it is the
 * environment's word). Throws ConsumerConfigError naming the entry and the consumer when the entry
 * is missing or its options are invalid; `where` says which settings were searched.
 */
export function resolveConsumerConfig(
  metadata: QueueConsumerMetadata,
  catalog: AmqpConsumersConfig | undefined,
  where: string,
  warnings: OptionWarnings = [],
): QueueConsumerMetadata {
  const configName = metadata.config;
  if (configName === undefined) return metadata;
  const consumer = consumerNameOf(metadata);
  const entry = catalog !== undefined && Object.hasOwn(catalog, configName) ? catalog[configName] : undefined;
  if (entry === undefined) {
    const known = Object.keys(catalog ?? {});
    throw configError(
      configName,
      consumer,
      `no such entry in ${where} (entries: ${known.length === 0 ? 'none' : known.join(', ')})`,
    );
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.queue !== 'string') {
    throw configError(configName, consumer, '`queue` must be a string');
  }
  // Read by the same checker as the decorator's options (golevelup's names included); the entries of
  // AmqpModule's `consumers` were read at start-up already, and reading again changes nothing.
  let read: ReturnType<typeof readConsumerEntry>;
  try {
    read = readConsumerEntry('', entry, warnings);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw configError(configName, consumer, error.message);
    throw error;
  }
  const { queue, ...options } = read;
  // The entry was looked up in the settings of the connection the consumer names: it cannot move it.
  if (options.connection !== undefined && options.connection !== metadata.options.connection) {
    throw configError(configName, consumer, '`connection` belongs on the decorator (it picks whose `consumers` are read), not in the entry');
  }
  const merged = { ...metadata.options, ...options };
  try {
    validateQueueConsumerOptions(queue, merged);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw configError(configName, consumer, error.message);
    throw error;
  }
  return { queue, options: merged, pattern: metadata.pattern, config: configName };
}
