import type { FieldTable } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import {
  EXCEPTION_CLASS_HEADER,
  EXCEPTION_MESSAGE_HEADER,
  EXCEPTION_STACK_HEADER,
  FAILED_CONSUMER_HEADER,
  FAILED_QUEUE_HEADER,
  FAILURE_ATTEMPTS_HEADER,
  FAILURE_REASON_HEADER,
  FIRST_FAILURE_QUEUE_HEADER,
  FIRST_FAILURE_TIME_HEADER,
  RETRY_COUNT_HEADER,
  retryCountOf,
} from '../../core/message-headers.js';
import { describeError } from '../message-identity.js';
import { redeliveryCountOf } from './redelivery-count.js';

/** What failed, for a dead letter's headers. */
export interface FailureDetails {
  /** One line: what failed and why (the router's log line says the same). */
  readonly reason: string;
  /** The error the handler threw (before Nest's filters), when there is one. */
  readonly error?: unknown;
  /** The consumer's label (e.g. `@QueueConsumer orders` or `ServerAMQP queue "rpc"`). */
  readonly consumer?: string | undefined;
}

/** Bounds: a dead letter's headers stay a few KiB whatever the error holds. */
const MAX_REASON = 1000;
const MAX_MESSAGE = 1000;
const STACK_FRAMES = 8;
const MAX_STACK = 2000;

/**
 * The headers that say why a message was dead-lettered: the reason; the handler's error (class,
 * message, the top of its stack); the consumer; how many attempts it had (retries and redeliveries
 * counted, this one included); and where and when it first failed (kept from an earlier copy).
 */
export function failureHeaders(message: AmqpMessage, queue: string, details: FailureDetails, now = Date.now()): FieldTable {
  const previous = message.properties.headers ?? {};
  const headers: FieldTable = {
    [FAILED_QUEUE_HEADER]: queue,
    [FAILURE_REASON_HEADER]: details.reason.slice(0, MAX_REASON),
    [FAILURE_ATTEMPTS_HEADER]: attemptsOf(previous),
    [FIRST_FAILURE_QUEUE_HEADER]: typeof previous[FIRST_FAILURE_QUEUE_HEADER] === 'string' ? previous[FIRST_FAILURE_QUEUE_HEADER] : queue,
    [FIRST_FAILURE_TIME_HEADER]: typeof previous[FIRST_FAILURE_TIME_HEADER] === 'number' ? previous[FIRST_FAILURE_TIME_HEADER] : now,
  };
  if (details.consumer !== undefined) headers[FAILED_CONSUMER_HEADER] = details.consumer;
  if (details.error !== undefined) {
    headers[EXCEPTION_CLASS_HEADER] = classOf(details.error);
    headers[EXCEPTION_MESSAGE_HEADER] = describeError(details.error).slice(0, MAX_MESSAGE);
    const stack = stackTop(details.error);
    if (stack !== undefined) headers[EXCEPTION_STACK_HEADER] = stack;
  }
  return headers;
}

/** Handlings so far, this one included: 1 + the retries and redeliveries the headers count. */
export function attemptsOf(headers: FieldTable): number {
  return 1 + retryCountOf(headers[RETRY_COUNT_HEADER]) + redeliveryCountOf(headers);
}

function classOf(error: unknown): string {
  if (error instanceof Error) return error.constructor.name === 'Error' ? error.name : error.constructor.name;
  if (error === null) return 'null';
  return typeof error === 'object' ? (error.constructor?.name ?? 'Object') : typeof error;
}

/** The first frames of an Error's stack (its message line left out: it has a header of its own). */
function stackTop(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const frames = error.stack
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, STACK_FRAMES)
    .map((line) => line.trim());
  return frames.length === 0 ? undefined : frames.join('\n').slice(0, MAX_STACK);
}
