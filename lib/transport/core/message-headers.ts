/**
 * The header names the Nest layer reads and writes on messages, and the readers of the two that a
 * handler's context exposes. Every part (context, consumers, failure routing, replies) takes them
 * from here, so a header has one spelling.
 */
import type { FieldTable } from '../../protocol/index.js';

/** The header that counts retries of a message republished by the retry policy. */
export const RETRY_COUNT_HEADER = 'x-retry-count';
/** The queue a dead-lettered message failed on. */
export const FAILED_QUEUE_HEADER = 'x-failed-queue';
/** Why a message was dead-lettered. */
export const FAILURE_REASON_HEADER = 'x-failure-reason';
/** Quorum queues' own count of earlier deliveries. */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';
/** The package's count of redeliveries (classic queues, guarded requeue). */
export const REDELIVERY_COUNT_HEADER = 'x-redelivery-count';
/** `ok` or `error` on a `@QueueConsumer` reply. */
export const REPLY_STATUS_HEADER = 'x-reply-status';
/** The offset of a message read from a stream queue. */
export const STREAM_OFFSET_HEADER = 'x-stream-offset';
/** Where a retried message was first published: exchange and routing key. */
export const ORIGINAL_EXCHANGE_HEADER = 'x-original-exchange';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-original-routing-key';
/** A copy's original `expiration`, `user_id`, `CC` and `BCC`: a copy never carries them as such (see failure/failure-copy). */
export const ORIGINAL_EXPIRATION_HEADER = 'x-original-expiration';
export const ORIGINAL_USER_ID_HEADER = 'x-original-user-id';
export const ORIGINAL_CC_HEADER = 'x-original-cc';
export const ORIGINAL_BCC_HEADER = 'x-original-bcc';
/** The properties or headers left out of a copy that could not be made as it was (comma-separated names). */
export const DROPPED_PROPERTIES_HEADER = 'x-dropped-properties';
/** What the handler threw: its class name, message and the top of its stack (bounded). */
export const EXCEPTION_CLASS_HEADER = 'x-exception-class';
export const EXCEPTION_MESSAGE_HEADER = 'x-exception-message';
export const EXCEPTION_STACK_HEADER = 'x-exception-stack';
/** The consumer (its label) that gave up on the message. */
export const FAILED_CONSUMER_HEADER = 'x-failed-consumer';
/** How many times the message was handled and failed, this time included. */
export const FAILURE_ATTEMPTS_HEADER = 'x-failure-attempts';
/** The queue and time (ms since the epoch) of the message's first failure; kept by later copies. */
export const FIRST_FAILURE_QUEUE_HEADER = 'x-first-failure-queue';
export const FIRST_FAILURE_TIME_HEADER = 'x-first-failure-time';
/** Set on a dead letter replayed by AmqpDeadLetters: how many times, and when last (ms since the epoch). */
export const REPLAY_COUNT_HEADER = 'x-replay-count';
export const REPLAYED_AT_HEADER = 'x-replayed-at';
/** The broker's own dead-lettering record (classic and quorum queues). */
export const BROKER_DEATH_HEADER = 'x-death';

/** The retry count a header holds (0 for none, or for anything that is not a positive safe integer). */
export function retryCountOf(value: unknown): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = Number(value);
  else return 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The stream offset of a delivery read from a stream queue, if it has one. */
export function streamOffsetOf(headers: FieldTable | undefined): number | undefined {
  const value = headers?.[STREAM_OFFSET_HEADER];
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
