/**
 * The checks of a Connection's public calls that take arguments. A bad argument rejects the returned
 * promise (close, updateSecret) or throws (setBackpressureMultiplier), before anything is sent.
 */
import { InvalidArgumentError } from '../errors.js';

/** The error for a bad close(replyCode, replyText), or undefined when both are fine. */
export function closeArgumentsError(replyCode: unknown, replyText: unknown): InvalidArgumentError | undefined {
  if (!Number.isInteger(replyCode) || (replyCode as number) < 0 || (replyCode as number) > 65535) {
    return new InvalidArgumentError('replyCode', `must be an integer in 0..65535, got ${String(replyCode)}`);
  }
  if (typeof replyText !== 'string') return new InvalidArgumentError('replyText', 'must be a string');
  return undefined;
}

/** The error for a bad updateSecret(newSecret, reason), or undefined when both are fine. */
export function updateSecretArgumentsError(newSecret: unknown, reason: unknown): InvalidArgumentError | undefined {
  if (typeof newSecret !== 'string') return new InvalidArgumentError('newSecret', 'must be a string');
  if (typeof reason !== 'string') return new InvalidArgumentError('reason', 'must be a string');
  return undefined;
}

/** @throws InvalidArgumentError unless `n` is a positive finite number */
export function checkBackpressureMultiplier(n: unknown): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('multiplier', `must be a positive number, got ${String(n)}`);
  }
  return n;
}
