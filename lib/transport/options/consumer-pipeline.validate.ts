import { InvalidArgumentError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/index.js';
import type { ConsumerErrorAction, QueueMismatchPolicy, StreamOffset } from './consumer-pipeline.options.js';
import type { QueueConsumerOptions } from './queue-consumer.options.js';
import { shownValue } from '../logging/secret-text.js';
import { readConsumerTimeout, readHealing } from './consumer-healing.options.js';

const ERROR_ACTIONS: readonly ConsumerErrorAction[] = ['dead-letter', 'requeue', 'ack'];
const MISMATCH_POLICIES: readonly QueueMismatchPolicy[] = ['fail', 'use-existing', 'passive'];
const NAMED_OFFSETS: readonly string[] = ['first', 'last', 'next'];
/** RabbitMQ's duration units for `x-max-age`: years, months, days, hours, minutes, seconds. */
const MAX_AGE = /^\d+[YMDhms]$/;

/** @QueueConsumer's default redelivery bound for `onError: 'requeue'`. */
export const DEFAULT_MAX_REDELIVERIES = 5;
/** A quorum queue's delivery limit when its declaration sets none: RabbitMQ 4.0's default (3.x has none). */
export const QUORUM_DEFAULT_DELIVERY_LIMIT = 20;
/** A batch's default wait for more messages, in milliseconds. */
export const DEFAULT_BATCH_TIMEOUT_MS = 200;

/** True when the consumer reads a stream queue (by `stream`, `queueType` or the raw argument). */
export function isStreamConsumer(options: QueueConsumerOptions): boolean {
  return options.stream !== undefined || options.queueType === 'stream' || options.arguments?.['x-queue-type'] === 'stream';
}

/** True when the queue is declared as a quorum queue (the broker counts its redeliveries). */
export function isQuorumConsumer(options: QueueConsumerOptions): boolean {
  return options.queueType === 'quorum' || options.arguments?.['x-queue-type'] === 'quorum';
}

/** Checks the delivery-pipeline options (reply, onError, batch, stream); throws InvalidArgumentError naming the option. */
export function validatePipelineOptions(options: QueueConsumerOptions): void {
  if (options.reply !== undefined && typeof options.reply !== 'boolean') throw new InvalidArgumentError('reply', 'must be a boolean');
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function' && !ERROR_ACTIONS.includes(onError)) {
    throw new InvalidArgumentError('onError', `must be one of ${ERROR_ACTIONS.join(', ')} or a function, got ${shownValue(onError)}`);
  }
  if (options.maxRedeliveries !== undefined && !isUint(options.maxRedeliveries, 1_000_000)) {
    throw new InvalidArgumentError('maxRedeliveries', `must be an integer from 0 to 1000000, got ${shownValue(options.maxRedeliveries)}`);
  }
  const dlq = options.deadLetterQueue;
  if (dlq !== undefined && dlq !== false && (typeof dlq !== 'string' || dlq === '' || Buffer.byteLength(dlq) > 255)) {
    throw new InvalidArgumentError('deadLetterQueue', 'must be a queue name of 1 to 255 bytes, or false');
  }
  if (options.onQueueMismatch !== undefined && !MISMATCH_POLICIES.includes(options.onQueueMismatch)) {
    throw new InvalidArgumentError('onQueueMismatch', `must be one of ${MISMATCH_POLICIES.join(', ')}, got ${shownValue(options.onQueueMismatch)}`);
  }
  validateDeliveryLimit(options);
  readHealing('healing', options.healing);
  readConsumerTimeout('consumerTimeoutMs', options.consumerTimeoutMs);
  const bytes = options.maxInFlightBytes;
  if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 1)) {
    throw new InvalidArgumentError('maxInFlightBytes', `must be an integer >= 1, got ${shownValue(bytes)}`);
  }
  validateBatch(options);
  validateStream(options);
}

/**
 * A quorum queue drops a message (or dead-letters it through its own DLX, bypassing our dead-letter
 * queue) once it was returned more often than its delivery limit, 20 by default on RabbitMQ 4: a
 * larger `maxRedeliveries` would lose messages there, so it needs `x-delivery-limit` declared to match.
 */
function validateDeliveryLimit(options: QueueConsumerOptions): void {
  const requeues = options.onError === 'requeue' || typeof options.onError === 'function';
  if (!requeues || !isQuorumConsumer(options)) return;
  const max = options.maxRedeliveries ?? DEFAULT_MAX_REDELIVERIES;
  const declared = options.arguments?.['x-delivery-limit'];
  const limit = typeof declared === 'number' ? declared : QUORUM_DEFAULT_DELIVERY_LIMIT;
  if (max <= limit && limit >= 0) return;
  const given = typeof declared === 'number' ? `its x-delivery-limit ${declared}` : `RabbitMQ 4's default delivery limit (${QUORUM_DEFAULT_DELIVERY_LIMIT})`;
  throw new InvalidArgumentError(
    'maxRedeliveries',
    `${max} exceeds the quorum queue's delivery limit (${given}): the broker would drop the message (or dead-letter it through the queue's DLX) before the dead-letter queue gets it; declare arguments['x-delivery-limit'] of at least ${max}`,
  );
}

function validateBatch(options: QueueConsumerOptions): void {
  const batch = options.batch;
  if (batch === undefined) return;
  if (!isUint(batch.size, 0xffff) || batch.size < 1) throw new InvalidArgumentError('batch.size', `must be an integer from 1 to 65535, got ${shownValue(batch.size)}`);
  if (batch.timeout !== undefined && !(Number.isFinite(batch.timeout) && batch.timeout >= 0)) {
    throw new InvalidArgumentError('batch.timeout', `must be a number of milliseconds >= 0, got ${shownValue(batch.timeout)}`);
  }
  if (batch.onError !== undefined && batch.onError !== 'each' && batch.onError !== 'split') {
    throw new InvalidArgumentError('batch.onError', `must be 'each' or 'split', got ${shownValue(batch.onError)}`);
  }
  if (options.ack !== undefined && options.ack !== 'auto') throw new InvalidArgumentError('batch', `only applies to ack: 'auto', not '${options.ack}'`);
  if (options.prefetch !== undefined && options.prefetch !== 0 && options.prefetch < batch.size) {
    throw new InvalidArgumentError('prefetch', `must be at least batch.size (${batch.size}) or 0, got ${options.prefetch}: a smaller window never fills a batch`);
  }
  if (isStreamConsumer(options)) throw new InvalidArgumentError('batch', 'is not supported on a stream queue');
  if ((options.retry?.attempts ?? 0) > 0) throw new InvalidArgumentError('batch', 'cannot be combined with retry (use onError)');
}

function validateStream(options: QueueConsumerOptions): void {
  if (!isStreamConsumer(options)) return;
  const stream = options.stream ?? {};
  if (options.queueType !== undefined && options.queueType !== 'stream') {
    throw new InvalidArgumentError('queueType', `must be 'stream' (or unset) with the stream option, got '${options.queueType}'`);
  }
  if (options.ack === 'none') throw new InvalidArgumentError('ack', "a stream queue needs acknowledgements (it uses them for flow control): use 'auto' or 'manual'");
  if (options.prefetch === 0) throw new InvalidArgumentError('prefetch', 'a stream consumer needs a prefetch (> 0)');
  if ((options.retry?.attempts ?? 0) > 0) throw new InvalidArgumentError('retry', 'does not apply to a stream queue (messages stay in it; see stream.onError)');
  if (options.onError !== undefined) throw new InvalidArgumentError('onError', 'does not apply to a stream queue (a stream cannot nack): use stream.onError');
  if (stream.offset !== undefined && !isStreamOffset(stream.offset)) {
    throw new InvalidArgumentError('stream.offset', `must be 'first', 'last', 'next', an offset >= 0 or a valid Date, got ${shownValue(stream.offset)}`);
  }
  if (stream.tracking !== undefined && stream.tracking !== 'auto' && stream.tracking !== 'manual') {
    throw new InvalidArgumentError('stream.tracking', `must be 'auto' or 'manual', got ${shownValue(stream.tracking)}`);
  }
  if (stream.onError !== undefined && stream.onError !== 'continue' && stream.onError !== 'stop') {
    throw new InvalidArgumentError('stream.onError', `must be 'continue' or 'stop', got ${shownValue(stream.onError)}`);
  }
  if (stream.maxAge !== undefined && !(typeof stream.maxAge === 'string' && MAX_AGE.test(stream.maxAge))) {
    throw new InvalidArgumentError('stream.maxAge', `must be a duration such as '7D', '12h', '30m' (units Y M D h m s), got ${shownValue(stream.maxAge)}`);
  }
  for (const key of ['maxLengthBytes', 'maxSegmentSizeBytes'] as const) {
    const value = stream[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new InvalidArgumentError(`stream.${key}`, `must be a positive integer, got ${shownValue(value)}`);
  }
}

/** The stream's queue arguments (retention), laid over the others. */
export function streamQueueArguments(options: QueueConsumerOptions, args: FieldTable): void {
  if (!isStreamConsumer(options)) return;
  args['x-queue-type'] = 'stream';
  const stream = options.stream;
  if (stream === undefined) return;
  if (stream.maxAge !== undefined) args['x-max-age'] = stream.maxAge;
  if (stream.maxLengthBytes !== undefined) args['x-stream-max-length-bytes'] = stream.maxLengthBytes;
  if (stream.maxSegmentSizeBytes !== undefined) args['x-stream-max-segment-size-bytes'] = stream.maxSegmentSizeBytes;
}

function isStreamOffset(value: unknown): value is StreamOffset {
  if (typeof value === 'string') return NAMED_OFFSETS.includes(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}
