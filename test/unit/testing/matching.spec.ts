/**
 * The in-memory broker's topic and headers matching against reference implementations written the
 * obvious way (a regular expression for topics; a key-by-key reading of the headers exchange's rules).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { headersMatch, topicMatches } from '../../../lib/testing/index.js';

/**
 * Reference: each word of the key written as `<word>` (an empty key has no words, as RabbitMQ splits
 * it), the pattern turned into a regular expression over that form: '*' = one `<...>`, '#' = any
 * number of them.
 */
function topicReference(pattern: string, key: string): boolean {
  const split = (s: string): string[] => (s === '' ? [] : s.split('.'));
  const subject = split(key).map((w) => `<${w}>`).join('');
  const re = split(pattern)
    .map((w) => (w === '*' ? '<[^<>]*>' : w === '#' ? '(?:<[^<>]*>)*' : `<${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>`))
    .join('');
  return new RegExp(`^${re}$`).test(subject);
}

const word = fc.constantFrom('a', 'b', 'c', '', 'ab');
const key = fc.array(word, { maxLength: 5 }).map((ws) => (ws.length === 0 ? '' : ws.join('.')));
const patternWord = fc.constantFrom('a', 'b', '*', '#', '');
const pattern = fc.array(patternWord, { maxLength: 5 }).map((ws) => (ws.length === 0 ? '' : ws.join('.')));

describe('topic matching', () => {
  it.each([
    ['order.*', 'order.created', true],
    ['order.*', 'order', false],
    ['order.#', 'order', true],
    ['#', '', true],
    ['*', '', false],
    ['#.eu', 'eu', true],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.*.b', 'a..b', true],
  ])('%s against %s is %s', (p, k, expected) => {
    expect(topicMatches(p, k)).toBe(expected);
  });

  it('agrees with a regular-expression reference on generated keys and patterns', () => {
    fc.assert(
      fc.property(pattern, key, (p, k) => {
        expect([p, k, topicMatches(p, k)]).toEqual([p, k, topicReference(p, k)]);
      }),
      { numRuns: 1500 },
    );
  });
});

/** Reference headers matching, from the rules in RabbitMQ's documentation. */
function headersReference(args: Record<string, unknown>, headers: Record<string, unknown>): boolean {
  const mode = (args['x-match'] as string | undefined) ?? 'all';
  const keys = Object.keys(args).filter((k) => k !== 'x-match' && (mode.endsWith('-with-x') || !k.startsWith('x-')));
  const ok = (k: string): boolean => k in headers && (args[k] === undefined || args[k] === null || headers[k] === args[k]);
  return mode.startsWith('any') ? keys.some(ok) : keys.every(ok);
}

describe('headers matching', () => {
  const name = fc.constantFrom('format', 'type', 'x-tenant', 'size');
  const value = fc.constantFrom('pdf', 'zip', 1, 2, true);
  const table = fc.dictionary(name, value, { maxKeys: 4 });
  const mode = fc.constantFrom(undefined, 'all', 'any', 'all-with-x', 'any-with-x');

  it('agrees with the reference on generated bindings and headers', () => {
    fc.assert(
      fc.property(table, table, mode, (binding, headers, m) => {
        const args = m === undefined ? binding : { ...binding, 'x-match': m };
        expect(headersMatch(args, headers)).toBe(headersReference(args, headers));
      }),
      { numRuns: 1500 },
    );
  });

  it('any with no keys to compare matches nothing; all matches everything', () => {
    expect(headersMatch({ 'x-match': 'any' }, { a: 1 })).toBe(false);
    expect(headersMatch({ 'x-match': 'all' }, {})).toBe(true);
  });
});
