/**
 * Runtime checks of option objects, for callers in plain JavaScript (or with `any`) as much as for
 * TypeScript: every key must be known, every value of the expected kind. A misspelt key names the
 * known one it most likely meant.
 */
import { InvalidOptionError } from '../../protocol/errors.js';
import type { OptionWarnings } from './option-warnings.js';

/** The kinds of value an option can take. */
export type OptionKind =
  | 'string'
  | 'boolean'
  | 'number'
  | 'integer'
  | 'object'
  | 'function'
  | 'string-or-string[]'
  | 'array'
  | 'any';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** What a value is, for an error message (never the value itself: it may be a secret). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0] as number;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Throws for the first key of `value` that `schema` does not know, or whose value is of the wrong kind. */
export function checkObject(path: string, value: unknown, schema: Readonly<Record<string, OptionKind>>): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidOptionError(path === '' ? 'options' : path, `must be a plain object, got ${kindOf(value)}`);
  for (const [key, given] of Object.entries(value)) {
    const name = path === '' ? key : `${path}.${key}`;
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (kind === undefined) throw new InvalidOptionError(name, 'unknown option', closest(key, Object.keys(schema)));
    if (given !== undefined) checkKind(name, given, kind);
  }
  return value;
}

/**
 * For an object whose peer type has an index signature (Nest's `socketOptions`, amqplib's
 * `queueOptions`): a known key is checked as by {@link checkObject}; an unknown key close to a known
 * one is a typo and throws naming both; any other unknown key is accepted with a warning (`reason`
 * says why it changes nothing), as the peer accepts and ignores it.
 */
export function checkOpenObject(
  path: string,
  value: unknown,
  schema: Readonly<Record<string, OptionKind>>,
  warnings: OptionWarnings,
  reason: string,
): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidOptionError(path === '' ? 'options' : path, `must be a plain object, got ${kindOf(value)}`);
  for (const [key, given] of Object.entries(value)) {
    const name = path === '' ? key : `${path}.${key}`;
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (kind === undefined) {
      const near = closest(key, Object.keys(schema));
      if (near !== undefined) throw new InvalidOptionError(name, 'unknown option', near);
      warnings.push({ option: name, reason });
      continue;
    }
    if (given !== undefined) checkKind(name, given, kind);
  }
  return value;
}

export function checkKind(name: string, value: unknown, kind: OptionKind): void {
  const ok = (() => {
    switch (kind) {
      case 'string':
        return typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      case 'number':
        return typeof value === 'number' && !Number.isNaN(value);
      case 'integer':
        return Number.isInteger(value);
      case 'object':
        return isPlainObject(value);
      case 'function':
        return typeof value === 'function';
      case 'string-or-string[]':
        return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
      case 'array':
        return Array.isArray(value);
      case 'any':
        return true;
    }
  })();
  if (!ok) throw new InvalidOptionError(name, `must be ${describeKind(kind)}, got ${kindOf(value)}`);
}

function describeKind(kind: OptionKind): string {
  switch (kind) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'a plain object';
    case 'array':
      return 'an array';
    case 'string-or-string[]':
      return 'a string or an array of strings';
    default:
      return `a ${kind}`;
  }
}

/** An integer of at least `min`, or the error naming the option. */
export function checkMin(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && value < min) throw new InvalidOptionError(name, `must be >= ${min}, got ${value}`);
}
