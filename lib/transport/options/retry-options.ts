import { InvalidOptionError } from '../../protocol/errors.js';
import { MAX_TIMER_MS } from './consumer-healing.options.js';
import { checkObject } from './option-check.js';
import type { RetryOptions } from './queue-consumer.options.js';

/** RabbitMQ's largest `x-message-ttl` (an unsigned 32-bit count of milliseconds). */
export const MAX_QUEUE_TTL_MS = 2 ** 32 - 1;

const RETRY_SCHEMA = { attempts: 'integer', delay: 'number', backoff: 'number', maxDelay: 'number', jitter: 'number', via: 'string' } as const;

/**
 * Checks `retry` at start-up: unknown keys fail naming the key; every attempt's delay must be one the
 * chosen mechanism can keep (an in-process timer: 2^31-1 ms, past which Node fires it after 1 ms;
 * a retry queue's TTL: 2^32-1 ms); `jitter` is a fraction from 0 to 1.
 */
export function validateRetry(retry: RetryOptions): void {
  checkObject('retry', retry, RETRY_SCHEMA);
  if (retry.via !== undefined && retry.via !== 'process' && retry.via !== 'broker') {
    throw new InvalidOptionError('retry.via', `must be 'process' or 'broker', got ${String(retry.via)}`);
  }
  if (retry.jitter !== undefined && !(retry.jitter >= 0 && retry.jitter <= 1)) {
    throw new InvalidOptionError('retry.jitter', `must be a fraction from 0 to 1, got ${String(retry.jitter)}`);
  }
  if (retry.maxDelay !== undefined && !(Number.isFinite(retry.maxDelay) && retry.maxDelay >= 0)) {
    throw new InvalidOptionError('retry.maxDelay', `must be a number of milliseconds >= 0, got ${String(retry.maxDelay)}`);
  }
  const limit = retry.via === 'broker' ? MAX_QUEUE_TTL_MS : MAX_TIMER_MS;
  const delays = retryDelays(retry);
  const over = delays.findIndex((ms) => !Number.isFinite(ms) || ms > limit);
  if (over >= 0) {
    const where = retry.via === 'broker' ? "a retry queue's TTL" : "an in-process timer (use via: 'broker' for long delays)";
    throw new InvalidOptionError('retry.delay', `attempt ${over + 1} would wait ${delays[over]} ms, past ${limit} ms, the most ${where} can hold`);
  }
  if (retry.via === 'broker' && delays.some((ms) => ms < 1)) {
    throw new InvalidOptionError('retry.delay', "must be at least 1 ms with via: 'broker' (a retry queue waits on its TTL)");
  }
}

/** The delay of each attempt (1-based index + 1), before jitter: delay x backoff^(n-1), capped by maxDelay. */
export function retryDelays(retry: RetryOptions): number[] {
  const base = retry.delay ?? 0;
  const backoff = retry.backoff ?? 1;
  const out: number[] = [];
  for (let n = 0; n < retry.attempts; n += 1) {
    const ms = Math.round(base * Math.pow(backoff, n));
    out.push(retry.maxDelay === undefined ? ms : Math.min(ms, retry.maxDelay));
  }
  return out;
}

/** A delay with up to `jitter` of it taken off at random (never more than the delay). */
export function jittered(ms: number, jitter: number | undefined, random: () => number = Math.random): number {
  if (jitter === undefined || jitter === 0) return ms;
  return Math.max(0, Math.round(ms * (1 - jitter * random())));
}

/** The name of the retry queue that holds a consumer's messages for `delayMs`. */
export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
}
