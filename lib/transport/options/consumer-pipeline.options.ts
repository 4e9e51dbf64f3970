import type { AmqpContext } from '../core/amqp.context.js';

/**
 * What happens to a message whose handler failed:
 * - `'dead-letter'`: to the queue's dead-letter exchange, or to its dead-letter queue when it has none
 *   (see `deadLetterQueue`); never dropped unless `deadLetterQueue: false` says so.
 * - `'requeue'`: back to the queue, at most `maxRedeliveries` times, then dead-lettered.
 * - `'ack'`: acked and logged (the message is discarded on purpose).
 */
export type ConsumerErrorAction = 'dead-letter' | 'requeue' | 'ack';

/** Decides per failure; a function that throws (or returns something else) dead-letters the message. */
export type ConsumerErrorHandler = (error: unknown, context: AmqpContext) => ConsumerErrorAction | Promise<ConsumerErrorAction>;

/** `onError` of a consumer: a fixed action, or a function deciding per error. */
export type ConsumerErrorPolicy = ConsumerErrorAction | ConsumerErrorHandler;

/**
 * At start-up, when the queue already exists with other arguments (the broker's 406 PRECONDITION_FAILED):
 * - `'fail'`: the server does not start, naming the queue and the broker's reason.
 * - `'use-existing'`: logs a warning and consumes the queue as it is (declared passively).
 * - `'passive'`: never asserts the queue's options, only checks that it exists.
 */
export type QueueMismatchPolicy = 'fail' | 'use-existing' | 'passive';

/** Hands the handler arrays of messages. */
export interface BatchOptions {
  /** At most this many messages per call (1 to 65535). */
  size: number;
  /** A partial batch is handed over this many milliseconds after its first message arrived. @default 200 */
  timeout?: number;
  /**
   * When the handler fails for a batch: `'each'` applies the consumer's `onError` to every message of
   * it; `'split'` calls the handler again with each message alone, and only the ones that fail again
   * follow `onError`, so one poison message does not take 49 good ones with it.
   * @default 'each'
   */
  onError?: 'each' | 'split';
}

/** Where a stream consumer starts: `'first'`, `'last'` (the last chunk), `'next'` (new messages only), an offset, or a point in time. */
export type StreamOffset = 'first' | 'last' | 'next' | number | Date;

/** A consumer of a stream queue (`x-queue-type: stream`). */
export interface StreamOptions {
  /** `x-stream-offset` of basic.consume. @default 'next' */
  offset?: StreamOffset;
  /**
   * `'auto'`: the consumer remembers the offset of the last message handled and, after a connection
   * recovery, resumes after it instead of starting from `offset` again. `'manual'`: each consume
   * starts from `offset`; the handler reads `ctx.headers['x-stream-offset']` and keeps its own.
   * @default 'auto'
   */
  tracking?: 'auto' | 'manual';
  /**
   * A stream cannot nack or reject (the broker closes the whole connection for it). When a handler
   * fails: `'continue'` logs it and moves on; `'stop'` logs it and cancels this consumer.
   * @default 'continue'
   */
  onError?: 'continue' | 'stop';
  /** `x-max-age` queue argument, e.g. `'7D'`, `'12h'`. */
  maxAge?: string;
  /** `x-stream-max-length-bytes` queue argument. */
  maxLengthBytes?: number;
  /** `x-stream-max-segment-size-bytes` queue argument. */
  maxSegmentSizeBytes?: number;
}
