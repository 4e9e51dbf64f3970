/**
 * Text that reaches a log: what a message brings (patterns, routing keys, ids, error texts) is
 * escaped and bounded, so a message can neither forge a log line (a newline, a terminal escape)
 * nor write megabytes into one.
 */

/** The longest value quoted into a log line (a pattern, a routing key, an id), in characters. */
export const MAX_LOG_VALUE = 200;
/** The longest log line the package writes, in characters. */
export const MAX_LOG_LINE = 2_000;

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with control characters escaped (`\n`, `\u001b` ...) and cut to `max` characters, the cut
 * said (`...(+N chars)`). Only the first `max` characters are looked at, so a huge value costs
 * nothing more than a short one.
 */
export function logText(text: string, max: number = MAX_LOG_LINE): string {
  const cut = text.length > max;
  let head = cut ? text.slice(0, max) : text;
  if (HAS_UNSAFE.test(head)) {
    head = head.replace(UNSAFE, escapeChar);
    if (head.length > max) head = head.slice(0, max);
  }
  return cut ? `${head}...(+${text.length - max} chars)` : head;
}

/** A value quoted into a log line: escaped, cut at {@link MAX_LOG_VALUE}, in double quotes. */
export function logValue(value: string): string {
  return `"${logText(value, MAX_LOG_VALUE)}"`;
}
