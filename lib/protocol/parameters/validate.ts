/**
 * Checks shared by the options object and the URL parser. Each takes the name the user wrote
 * (`channelMax` from an options object, `channel_max` from a URL) so the error names it.
 * Not part of the public API (a file-level `@internal` would make stripInternal drop the first import).
 */
import { ParameterError } from '../errors.js';
import { LIMITS } from './defaults.js';

/** A short, safe rendering of a bad value for an error message (never used for secrets). */
export function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'function' ? 'a function' : typeof value;
}

export function integerInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ParameterError(name, `must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  return value;
}

/** A finite number of seconds; `exclusiveZero` refuses 0 (pika's socket/stack timeouts must be > 0). */
export function seconds(name: string, value: unknown, exclusiveZero: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusiveZero ? value > 0 : value >= 0);
  if (!ok) {
    throw new ParameterError(
      name,
      `must be a finite number of seconds ${exclusiveZero ? '> 0' : '>= 0'}, got ${describe(value)}`,
    );
  }
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ParameterError(name, `must be a boolean, got ${describe(value)}`);
  return value;
}

/** A string that fits an AMQP short string (virtual host, locale): at most 255 UTF-8 bytes. */
export function shortString(name: string, value: unknown, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new ParameterError(name, `must be a string, got ${describe(value)}`);
  if (!allowEmpty && value.length === 0) throw new ParameterError(name, 'must not be empty');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > LIMITS.shortString)
    throw new ParameterError(name, `must be at most ${LIMITS.shortString} bytes, got ${bytes}`);
  return value;
}

export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ParameterError(name, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function plainObject(name: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ParameterError(name, `must be a plain object, got ${describe(value)}`);
  return value;
}
