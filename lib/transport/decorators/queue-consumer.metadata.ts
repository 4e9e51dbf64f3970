import { InvalidArgumentError } from '../../protocol/errors.js';
import { validateRetry } from '../options/retry-options.js';
import type { FieldTable } from '../../protocol/index.js';
import { streamQueueArguments, validatePipelineOptions } from '../options/consumer-pipeline.validate.js';
import type { AckMode, QueueConsumerOptions } from '../options/queue-consumer.options.js';
import { shownValue } from '../logging/secret-text.js';

/** Metadata key of `@QueueConsumer` on the decorated method. */
export const QUEUE_CONSUMER_METADATA = 'nestjs-amqp-transport:queue-consumer';
/** Key under which the metadata also travels in the Nest pattern's extras, so the server reads it from the handler. */
export const QUEUE_CONSUMER_EXTRAS_KEY = 'amqpQueueConsumer';

/** What `@QueueConsumer` records: the queue, the options as given, and the Nest pattern it registers. */
export interface QueueConsumerMetadata {
  readonly queue: string;
  readonly options: Readonly<QueueConsumerOptions>;
  /** The unique Nest pattern of this consumer (one per decorated method). */
  readonly pattern: string;
  /** `@QueueConsumer({ config })`: the entry that gives queue and options at start-up (`queue` is '' until then). */
  readonly config?: string;
}

const ACK_MODES: readonly AckMode[] = ['auto', 'manual', 'none'];

/**
 * Checks options at decoration time, so a typo fails when the class loads rather than when the
 * broker refuses a declaration. Throws InvalidArgumentError naming the option.
 */
export function validateQueueConsumerOptions(queue: unknown, options: QueueConsumerOptions): void {
  if (typeof queue !== 'string') throw new InvalidArgumentError('queue', `must be a string, got ${typeof queue}`);
  if (Buffer.byteLength(queue) > 255) throw new InvalidArgumentError('queue', 'a queue name is at most 255 bytes');
  if (options.prefetch !== undefined && !isUint(options.prefetch, 0xffff)) {
    throw new InvalidArgumentError('prefetch', `must be an integer from 0 to 65535, got ${shownValue(options.prefetch)}`);
  }
  if (options.ack !== undefined && !ACK_MODES.includes(options.ack)) {
    throw new InvalidArgumentError('ack', `must be one of ${ACK_MODES.join(', ')}, got ${shownValue(options.ack)}`);
  }
  if (options.retry !== undefined) {
    const { attempts, delay, backoff } = options.retry;
    validateRetry(options.retry);
    if (!isUint(attempts, 1_000)) throw new InvalidArgumentError('retry.attempts', `must be an integer from 0 to 1000, got ${shownValue(attempts)}`);
    if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
      throw new InvalidArgumentError('retry.delay', `must be a number of milliseconds >= 0, got ${shownValue(delay)}`);
    }
    if (backoff !== undefined && !(Number.isFinite(backoff) && backoff >= 1)) {
      throw new InvalidArgumentError('retry.backoff', `must be a number >= 1, got ${shownValue(backoff)}`);
    }
    if (options.ack !== undefined && options.ack !== 'auto' && attempts > 0) {
      throw new InvalidArgumentError('retry', `only applies to ack: 'auto', not '${options.ack}'`);
    }
  }
  if (options.routingKeys !== undefined && options.exchange === undefined) {
    throw new InvalidArgumentError('routingKeys', 'needs `exchange` to bind to');
  }
  if (options.exchange !== undefined && (typeof options.exchange.name !== 'string' || options.exchange.name === '')) {
    throw new InvalidArgumentError('exchange.name', 'must be a non-empty string (the default exchange cannot be declared)');
  }
  for (const [index, binding] of (options.bindings ?? []).entries()) {
    if (typeof binding.exchange !== 'string') throw new InvalidArgumentError(`bindings[${index}].exchange`, 'must be a string');
  }
  validatePipelineOptions(options);
}

/** The queue arguments to declare: `arguments` with the named shortcuts laid over it. */
export function queueArguments(options: QueueConsumerOptions): FieldTable {
  const args: FieldTable = { ...options.arguments };
  if (options.deadLetterExchange !== undefined) args['x-dead-letter-exchange'] = options.deadLetterExchange;
  if (options.deadLetterRoutingKey !== undefined) args['x-dead-letter-routing-key'] = options.deadLetterRoutingKey;
  if (options.messageTtl !== undefined) args['x-message-ttl'] = options.messageTtl;
  if (options.maxLength !== undefined) args['x-max-length'] = options.maxLength;
  if (options.queueType !== undefined) args['x-queue-type'] = options.queueType;
  streamQueueArguments(options, args);
  return args;
}

/** The routing keys of `options.routingKeys` as a list. */
export function routingKeysOf(options: QueueConsumerOptions): string[] {
  const keys = options.routingKeys;
  if (keys === undefined) return [];
  return typeof keys === 'string' ? [keys] : [...keys];
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}
