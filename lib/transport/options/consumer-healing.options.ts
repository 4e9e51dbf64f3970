import { InvalidOptionError } from '../../protocol/errors.js';
import { checkObject, kindOf } from './option-check.js';

/**
 * How a consumer comes back when the broker ends its channel or its consumer (a 406 such as the
 * consumer_timeout or an unknown delivery tag, a cancel notification when its queue is deleted, a 404
 * on re-declare): it opens a new channel, declares its topology again and consumes, after a delay
 * that doubles from `initialDelay` up to `maxDelay` (each with up to 20% jitter), at most `attempts`
 * times in a row; then it stays down with one ERROR naming the cause (`resume()` starts it again).
 * `false`: no healing (the consumer stays down at the first loss, as before). A consumer the app
 * paused or stopped is never restarted.
 */
export interface ConsumerHealingOptions {
  /** Restarts tried in a row before giving up. @default 10 */
  attempts?: number;
  /** Milliseconds before the first restart. @default 1000 */
  initialDelay?: number;
  /** Longest wait between two restarts, in milliseconds. @default 30000 */
  maxDelay?: number;
}

/** The healing a consumer gets without the option. */
export const DEFAULT_HEALING: Required<ConsumerHealingOptions> = { attempts: 10, initialDelay: 1000, maxDelay: 30_000 };

/** Node's longest timer: a delay past it would fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Checks `healing` (unknown keys and bad values fail naming the option) and applies the defaults; false when off. */
export function readHealing(path: string, value: unknown): Required<ConsumerHealingOptions> | false {
  if (value === undefined) return DEFAULT_HEALING;
  if (value === false) return false;
  const given = checkObject(path, value, { attempts: 'integer', initialDelay: 'number', maxDelay: 'number' }) as ConsumerHealingOptions;
  const healing = { ...DEFAULT_HEALING, ...stripUndefined(given) };
  if (healing.attempts < 1) throw new InvalidOptionError(`${path}.attempts`, `must be >= 1, got ${healing.attempts}`);
  for (const key of ['initialDelay', 'maxDelay'] as const) {
    const ms = healing[key];
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
      throw new InvalidOptionError(`${path}.${key}`, `must be a number of milliseconds from 0 to ${MAX_TIMER_MS}, got ${typeof ms === 'number' ? ms : kindOf(ms)}`);
    }
  }
  if (healing.maxDelay < healing.initialDelay) throw new InvalidOptionError(`${path}.maxDelay`, `must be >= initialDelay (${healing.initialDelay}), got ${healing.maxDelay}`);
  return healing;
}

/** The wait before restart `attempt` (1-based): doubling from initialDelay, capped, with up to 20% jitter. */
export function healingDelay(healing: Required<ConsumerHealingOptions>, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(healing.maxDelay, healing.initialDelay * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (1 - 0.2 * random()));
}

/** RabbitMQ's `consumer_timeout` when neither the option nor the queue's `x-consumer-timeout` gives one: 30 minutes. */
export const DEFAULT_CONSUMER_TIMEOUT_MS = 30 * 60 * 1000;

/** Checks `consumerTimeoutMs`: milliseconds from 1 to Node's longest timer. */
export function readConsumerTimeout(path: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new InvalidOptionError(path, `must be an integer number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${typeof value === 'number' ? value : kindOf(value)}`);
  }
  return value;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
