/**
 * Options of automatic recovery and their defaults, in one place.
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * The outage budget: how much a connection holds while it is down, or while it is up but its socket is
 * over the high-water mark (a congested or frozen link), and for how long. It bounds every wait that
 * keeps a message in memory: the publish buffer, publishes waiting for the socket to drain,
 * publishWithRetry waiting for the recovered channel, and the Nest layer's publishes, emits and
 * requests; and, against the same byte and message bounds, what is written and kept unconfirmed for
 * a re-send (publishWithRetry, the Nest layer's confirmed publishes and emits). Past a bound a call
 * rejects with OutageBudgetError naming it (`bytes`, `messages`, `deadline`).
 */
export interface OutageOptions {
  /** Most body bytes held at once, waiting or kept unconfirmed (64 MiB). @default 67108864 */
  maxBytes?: number;
  /** Most messages held at once, waiting or kept unconfirmed. @default 10000 */
  maxMessages?: number;
  /** Longest a held message waits for the connection to come back (or its socket to drain), in ms. @default 60000 */
  deadlineMs?: number;
}

/** The outage budget, every bound filled in. */
export interface ResolvedOutageOptions {
  readonly maxBytes: number;
  readonly maxMessages: number;
  readonly deadlineMs: number;
}

/** Outage defaults: they are argued in docs/hardening.md. */
export const DEFAULT_OUTAGE: ResolvedOutageOptions = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxMessages: 10_000,
  deadlineMs: 60_000,
});

/** How a {@link RecoveringConnection} reconnects after an unexpected loss. */
export interface RecoveryOptions {
  /** Recover at all. @default true */
  enabled?: boolean;
  /** Upper bound of the first delay, in ms (full jitter: the delay is random in [0, bound)). @default 500 */
  initialDelayMs?: number;
  /** The bound never grows past this, in ms. @default 30000 */
  maxDelayMs?: number;
  /** Growth of the bound per attempt. @default 2 */
  multiplier?: number;
  /** Attempts (each one a pass over the host list) before giving up with `recoveryFailed`. @default Infinity */
  maxAttempts?: number;
  /**
   * Hold basicPublish calls made while disconnected and send them, in order, after recovery, within
   * the outage budget (`outage`). Off: such a publish rejects at once with PublishBufferFullError.
   * @default false
   */
  publishBuffer?: boolean;
  /** What an outage may hold, and how long. @default { maxBytes: 64 MiB, maxMessages: 10000, deadlineMs: 60000 } */
  outage?: OutageOptions;
  /** Re-declare recorded exchanges, queues, bindings and consumers after reconnecting. @default true */
  topology?: boolean;
}

/** Every option resolved. */
export interface ResolvedRecoveryOptions {
  readonly enabled: boolean;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly maxAttempts: number;
  readonly publishBuffer: boolean;
  readonly outage: ResolvedOutageOptions;
  readonly topology: boolean;
}

/** Fills in defaults and refuses values that cannot work (negative delays, a multiplier below 1 ...). */
export function resolveRecoveryOptions(options: RecoveryOptions = {}): ResolvedRecoveryOptions {
  const resolved = {
    enabled: options.enabled ?? true,
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? 2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    publishBuffer: resolveBuffer(options.publishBuffer),
    outage: resolveOutage(options.outage),
    topology: options.topology ?? true,
  };
  nonNegative('recovery.initialDelayMs', resolved.initialDelayMs);
  nonNegative('recovery.maxDelayMs', resolved.maxDelayMs);
  if (!(resolved.multiplier >= 1)) {
    throw new InvalidArgumentError(
      'recovery.multiplier',
      `must be a number >= 1, got ${resolved.multiplier}`,
    );
  }
  if (
    !(resolved.maxAttempts >= 1) ||
    (Number.isFinite(resolved.maxAttempts) && !Number.isInteger(resolved.maxAttempts))
  ) {
    throw new InvalidArgumentError(
      'recovery.maxAttempts',
      `must be an integer >= 1 or Infinity, got ${resolved.maxAttempts}`,
    );
  }
  return resolved;
}

function resolveBuffer(buffer: unknown): boolean {
  if (buffer === undefined) return false;
  if (typeof buffer === 'boolean') return buffer;
  // The bounds used to live here; they are the outage budget's now, so that one place sets them.
  throw new InvalidArgumentError(
    'recovery.publishBuffer',
    'must be true or false; its bounds are set with recovery.outage { maxBytes, maxMessages, deadlineMs }',
  );
}

function resolveOutage(outage: OutageOptions | undefined): ResolvedOutageOptions {
  for (const key of Object.keys(outage ?? {})) {
    if (!(key in DEFAULT_OUTAGE)) {
      throw new InvalidArgumentError(`recovery.outage.${key}`, 'is not an option (maxBytes, maxMessages, deadlineMs)');
    }
  }
  const resolved = {
    maxBytes: outage?.maxBytes ?? DEFAULT_OUTAGE.maxBytes,
    maxMessages: outage?.maxMessages ?? DEFAULT_OUTAGE.maxMessages,
    deadlineMs: outage?.deadlineMs ?? DEFAULT_OUTAGE.deadlineMs,
  };
  // 0 is a bound too: nothing is held, every call made while disconnected is refused at once, and so
  // is a publish that would be kept unconfirmed for a re-send (publishWithRetry), connected or not.
  nonNegativeInteger('recovery.outage.maxBytes', resolved.maxBytes);
  nonNegativeInteger('recovery.outage.maxMessages', resolved.maxMessages);
  nonNegativeInteger('recovery.outage.deadlineMs', resolved.deadlineMs);
  return resolved;
}

function nonNegative(name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value))
    throw new InvalidArgumentError(name, `must be a finite number >= 0, got ${value}`);
}

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `must be an integer >= 0, got ${value}`);
}
