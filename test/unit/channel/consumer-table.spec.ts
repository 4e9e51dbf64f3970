/** ConsumerTable: the remembered consumer of the last tag never outlives a change to the table. */
import { describe, expect, it } from '@jest/globals';
import { ConsumerTable } from '../../../lib/protocol/channel/consumer-table.js';

describe('ConsumerTable', () => {
  it('answers lookup as get would, through set, delete and clear', () => {
    const table = new ConsumerTable<string>();
    expect(table.lookup('a')).toBeUndefined();
    table.set('a', 'first');
    // a tag decoded afresh is an equal string, not the same one
    const fresh = ['a'].join('');
    expect(table.lookup(fresh)).toBe('first');
    expect(table.lookup('a')).toBe('first');
    table.set('a', 'second');
    expect(table.lookup('a')).toBe('second');
    table.delete('a');
    expect(table.lookup('a')).toBeUndefined();
    table.set('a', 'third');
    table.set('b', 'other');
    expect(table.lookup('a')).toBe('third');
    expect(table.lookup('b')).toBe('other');
    table.clear();
    expect(table.lookup('b')).toBeUndefined();
    expect(table.size).toBe(0);
  });
});
