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

/** Edit distance (a swap of two neighbours counts one, as in "uir" for "uri"), for "did you mean". */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (rows[i] as number[])[j] as number;
  for (let i = 1; i <= x.length; i += 1) {
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(x.length, y.length);
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
