import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import type { MessageHandler } from '@nestjs/microservices';
import { TopicHandlers, topicMatches } from '../../../../lib/transport/server/topic-handlers.js';

/** The broker's rule as a regular expression over "." + key: `*` one word, `#` zero or more words. */
function reference(pattern: string, key: string): boolean {
  const source = pattern
    .split('.')
    .map((word) => (word === '#' ? '(?:\\.[^.]+)*' : word === '*' ? '\\.[^.]+' : `\\.${word}`))
    .join('');
  return new RegExp(`^${source}$`).test(`.${key}`);
}

const word = fc.constantFrom('a', 'b', 'orders', 'created');
const key = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join('.'));
const pattern = fc.array(fc.oneof(word, fc.constant('*'), fc.constant('#')), { minLength: 1, maxLength: 5 }).map((words) => words.join('.'));

describe('topic matching (wildcards)', () => {
  it('matches as the broker routes: * one word, # zero or more', () => {
    expect(topicMatches(['orders', '*'], 0, ['orders', 'created'], 0)).toBe(true);
    expect(topicMatches(['orders', '*'], 0, ['orders', 'created', 'eu'], 0)).toBe(false);
    expect(topicMatches(['orders', '#'], 0, ['orders'], 0)).toBe(true);
    expect(topicMatches(['#', 'created'], 0, ['a', 'b', 'created'], 0)).toBe(true);
    expect(topicMatches(['*'], 0, ['a', 'b'], 0)).toBe(false);
  });

  it('agrees with a regular-expression reference on generated patterns and keys', () => {
    fc.assert(
      fc.property(pattern, key, (p, k) => {
        expect(topicMatches(p.split('.'), 0, k.split('.'), 0)).toBe(reference(p, k));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the handler of the first matching topic pattern; exact patterns are not topic patterns', () => {
    const created = (() => 'created') as unknown as MessageHandler;
    const audit = (() => 'audit') as unknown as MessageHandler;
    const handlers = new TopicHandlers([
      ['orders.*', created],
      ['audit.#', audit],
      ['sum', (() => 'sum') as unknown as MessageHandler],
    ]);
    expect(handlers.match('orders.created')).toBe(created);
    expect(handlers.match('audit.a.b')).toBe(audit);
    expect(handlers.match('orders.created')).toBe(created);
    expect(handlers.match('sum')).toBeNull();
    expect(handlers.match('payments.created')).toBeNull();
  });
});
