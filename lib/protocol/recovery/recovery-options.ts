/**
 * Options of automatic recovery and their defaults, in one place.
 */
import { InvalidArgumentError } from '../errors.js';

/** Bounds of the buffer that holds publishes while the connection is down. At least one bound applies. */
export interface PublishBufferOptions {
  /** Most messages held. @default 10000 when neither bound is given */
  maxMessages?: number;
  /** Most body bytes held. @default none */
  maxBytes?: number;
}

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
   * Hold publishes made while disconnected and send them, in order, after recovery. Off by default:
   * then such a publish rejects at once with PublishBufferFullError.
   */
  publishBuffer?: PublishBufferOptions | false;
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
  readonly publishBuffer: Readonly<PublishBufferOptions> | false;
  readonly topology: boolean;
}

const DEFAULT_BUFFERED_MESSAGES = 10_000;

/** Fills in defaults and refuses values that cannot work (negative delays, a multiplier below 1 ...). */
export function resolveRecoveryOptions(options: RecoveryOptions = {}): ResolvedRecoveryOptions {
  const resolved = {
    enabled: options.enabled ?? true,
    initialDelayMs: options.initialDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    multiplier: options.multiplier ?? 2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    publishBuffer: resolveBuffer(options.publishBuffer),
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

function resolveBuffer(
  buffer: PublishBufferOptions | false | undefined,
): Readonly<PublishBufferOptions> | false {
  if (buffer === undefined || buffer === false) return false;
  const { maxMessages, maxBytes } = buffer;
  if (maxMessages !== undefined) positiveInteger('recovery.publishBuffer.maxMessages', maxMessages);
  if (maxBytes !== undefined) positiveInteger('recovery.publishBuffer.maxBytes', maxBytes);
  if (maxMessages === undefined && maxBytes === undefined) return { maxMessages: DEFAULT_BUFFERED_MESSAGES };
  return { maxMessages, maxBytes };
}

function nonNegative(name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value))
    throw new InvalidArgumentError(name, `must be a finite number >= 0, got ${value}`);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(name, `must be an integer >= 1, got ${value}`);
}
