import type { AckMode, RetryOptions } from '../options/queue-consumer.options.js';
import { jittered, retryDelays } from '../options/retry-options.js';

/** How a handler ended: its value (or promise, or observable: its last value) succeeded, or it failed with `error`. */
export type HandlerResult = { ok: true; value?: unknown } | { ok: false; error: unknown };

/** What the server does with a delivery once its handler has ended. */
export type AckAction =
  /** basic.ack. */
  | { kind: 'ack' }
  /**
   * Republish a copy carrying `x-retry-count: attempt` that waits `delayMs` (jitter applied), then
   * ack the original; `ladderMs` is the attempt's delay before jitter (it names its retry queue).
   */
  | { kind: 'retry'; attempt: number; delayMs: number; ladderMs: number }
  /** The handler failed for good: the consumer's `onError` decides (dead-letter by default). Never a silent loop. */
  | { kind: 'dead-letter' }
  /** Nothing: the handler settled it, the broker auto-acked it, or (manual mode) the handler still owns it. */
  | { kind: 'leave' };

/** Everything the decision depends on. */
export interface AckInput {
  mode: AckMode;
  result: HandlerResult;
  /** True when the delivery is already settled (by the handler, or lost with its channel). */
  settled: boolean;
  retry?: RetryOptions | undefined;
  /** The message's current `x-retry-count` (0 on a first delivery). */
  retryCount: number;
  /** For the jitter (tests pass their own). @default Math.random */
  random?: () => number;
}

/**
 * The acknowledgement policy, as a pure function. At-least-once: nothing is acked before the handler
 * succeeded. A failure is retried at most `retry.attempts` times in all (the count travels with the
 * message, so it survives redelivery to another consumer), then dead-lettered: a poison message
 * can neither loop nor block the queue.
 */
export function decideAck(input: AckInput): AckAction {
  if (input.settled || input.mode === 'none') return { kind: 'leave' };
  if (input.result.ok) return input.mode === 'auto' ? { kind: 'ack' } : { kind: 'leave' };
  // A manual handler that failed without settling would otherwise hold the message until shutdown.
  if (input.mode === 'manual') return { kind: 'dead-letter' };
  const retry = input.retry;
  if (retry !== undefined && input.retryCount < retry.attempts) {
    const ladderMs = retryDelays(retry)[input.retryCount] ?? 0;
    return { kind: 'retry', attempt: input.retryCount + 1, delayMs: jittered(ladderMs, retry.jitter, input.random), ladderMs };
  }
  return { kind: 'dead-letter' };
}

