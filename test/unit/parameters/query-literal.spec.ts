import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { LiteralSyntaxError, parseLiteral } from '../../../lib/protocol/parameters/query-literal.js';

describe('parseLiteral (pika query values)', () => {
  it.each([
    ['True', true],
    ['False', false],
    ['None', null],
    ['true', true],
    ['null', null],
    ['0', 0],
    ['-12', -12],
    ['+7', 7],
    ['1_000', 1000],
    ['2.5', 2.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['-1.5E-2', -0.015],
    ['9007199254740993', 9007199254740993n],
    ["'it\\'s'", "it's"],
    ['"a\\"b"', 'a"b'],
    ["'\\x41\\u00e9\\n\\t\\\\'", 'Aé\n\t\\'],
    ["'\\d'", '\\d'],
    ["''", ''],
    ['[]', []],
    ['[1, [2, (3, 4)], ]', [1, [2, [3, 4]]]],
    ['()', []],
    ['{}', {}],
    [" { 'a' : 1 , \"b\": {'c': [True, None]} , } ", { a: 1, b: { c: [true, null] } }],
  ])('%s', (text, expected) => {
    expect(parseLiteral(text)).toEqual(expected);
  });

  it('treats a key named __proto__ as data', () => {
    const parsed = parseLiteral("{'__proto__': {'polluted': True}}") as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['', 0],
    ['{', 1],
    ["{'a' 1}", 5],
    ['{1: 2}', 1],
    ['[1 2]', 3],
    ["'abc", 4],
    ['os.system', 0],
    ['__import__("os")', 0],
    ['1 2', 2],
    ['1__0', 0],
    ['1_', 0],
    ["'\\x4'", 3],
    ['-', 0],
    ['['.repeat(40), 33],
  ])('%j fails at position %d', (text, position) => {
    try {
      parseLiteral(text);
      throw new Error('expected a LiteralSyntaxError');
    } catch (error) {
      expect(error).toBeInstanceOf(LiteralSyntaxError);
      expect((error as LiteralSyntaxError).position).toBe(position);
    }
  });

  it('parses what JSON.stringify writes (no exception, same value)', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        // integers past 2^53 stay exact as bigint; JSON.parse rounds them to a double
        const asJson = JSON.stringify(parseLiteral(text), (_k, v: unknown) =>
          typeof v === 'bigint' ? Number(v) : v,
        );
        expect(JSON.parse(asJson)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but LiteralSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        try {
          parseLiteral(text);
        } catch (error) {
          expect(error).toBeInstanceOf(LiteralSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
