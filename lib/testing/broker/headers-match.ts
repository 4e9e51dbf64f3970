/**
 * The headers exchange's matching: the binding's arguments other than those starting "x-" are
 * compared with the message's headers; `x-match: all` (the default) needs every one, `any` at
 * least one; `all-with-x` / `any-with-x` compare the "x-" keys too. A binding value that is absent
 * (void) matches the key's presence alone. Values compare as decoded (RabbitMQ also compares the
 * wire type: 1 as a signed byte and 1 as a long differ there; here they are equal).
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldTable, FieldValue } from '../../protocol/index.js';
import { NotModelledError } from '../errors.js';

/** The x-match modes RabbitMQ knows. */
const MODES = new Set(['all', 'any', 'all-with-x', 'any-with-x']);

/** Reads and checks a binding's x-match (throws for a mode RabbitMQ would refuse). */
export function matchMode(args: FieldTable): string {
  const mode = args['x-match'];
  if (mode === undefined) return 'all';
  if (typeof mode !== 'string' || !MODES.has(mode)) throw new NotModelledError(`x-match ${String(mode)}`);
  return mode;
}

/** True when a message with `headers` matches a headers binding with `args`. */
export function headersMatch(args: FieldTable, headers: FieldTable | undefined): boolean {
  const mode = matchMode(args);
  const withX = mode.endsWith('-with-x');
  const any = mode.startsWith('any');
  const message = headers ?? {};
  let checked = 0;
  for (const [key, expected] of Object.entries(args)) {
    if (key === 'x-match') continue;
    if (key.startsWith('x-') && !withX) continue;
    checked++;
    const ok = Object.prototype.hasOwnProperty.call(message, key) && valueMatches(expected, message[key]);
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return !any || checked < 0;
}

function valueMatches(expected: FieldValue, actual: FieldValue): boolean {
  if (expected === undefined || expected === null) return true;
  return isDeepStrictEqual(expected, actual);
}
