/**
 * fast-check arbitraries for the codec's value space, each paired with the value decoding gives
 * back (`expected`), so round-trip properties state exactly what survives the wire.
 */
import fc from 'fast-check';
import { Decimal, TypedValue } from '../../../lib/protocol/codec/index.js';
import type { BasicProperties, FieldTable, FieldValue } from '../../../lib/protocol/codec/index.js';

/** Valid Unicode strings of at most `maxBytes` UTF-8 bytes. */
export function utf8String(maxBytes: number, maxLength = maxBytes): fc.Arbitrary<string> {
  return fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('a', 'Z', '.', '-', '_', ' '),
        fc.constant('é'),
        fc.constant('€'),
        fc.constant('😀'),
        fc.string({ unit: 'grapheme', maxLength: 1 }),
      ),
      maxLength,
    })
    .filter((s) => Buffer.byteLength(s) <= maxBytes);
}

export const shortStr = utf8String(255, 255);
export const longStr = utf8String(2000, 400);

/** A value as written, and as it reads back. */
export interface Pair {
  input: FieldValue;
  expected: FieldValue;
}

function same(a: fc.Arbitrary<FieldValue>): fc.Arbitrary<Pair> {
  return a.map((v) => ({ input: v, expected: v }));
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const asDecoded = (b: bigint): FieldValue =>
  b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;

const scalar: fc.Arbitrary<Pair> = fc.oneof(
  same(utf8String(300, 100)),
  same(fc.boolean()),
  same(fc.integer({ min: -2147483648, max: 2147483647 })),
  same(fc.maxSafeInteger().filter((n) => !Object.is(n, -0))),
  same(fc.double({ noDefaultInfinity: false }).filter((n) => !Number.isInteger(n) && !Object.is(n, -0))),
  int64.map((b) => ({ input: b, expected: asDecoded(b) })),
  same(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))),
  same(fc.integer({ min: 0, max: 4102444800 }).map((s) => new Date(s * 1000))),
  same(fc.constant(null)),
  fc.constant({ input: undefined, expected: null }),
  same(
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0xffffffff }))
      .map(([s, v]) => new Decimal(s, v)),
  ),
  fc.integer({ min: -128, max: 127 }).map((n) => ({ input: new TypedValue('b', n), expected: n })),
  fc.integer({ min: 0, max: 255 }).map((n) => ({ input: new TypedValue('B', n), expected: n })),
  fc.integer({ min: -32768, max: 32767 }).map((n) => ({ input: new TypedValue('s', n), expected: n })),
  fc.integer({ min: 0, max: 65535 }).map((n) => ({ input: new TypedValue('u', n), expected: n })),
  fc.integer({ min: 0, max: 0xffffffff }).map((n) => ({ input: new TypedValue('i', n), expected: n })),
  fc.float({ noDefaultInfinity: false }).map((n) => ({ input: new TypedValue('f', n), expected: n })),
  int64.map((b) => ({ input: new TypedValue('L', b), expected: asDecoded(b) })),
  fc
    .maxSafeInteger()
    .filter((n) => !Object.is(n, -0))
    .map((n) => ({ input: new TypedValue('l', n), expected: n })),
  fc.double().map((n) => ({ input: new TypedValue('d', n), expected: n })),
);

const key = utf8String(255, 30);

const tree = fc.letrec<{ value: Pair; table: { input: FieldTable; expected: FieldTable }; array: Pair }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      scalar,
      scalar,
      tie('table'),
      tie('array'),
    ),
    table: fc.dictionary(key, tie('value') as fc.Arbitrary<Pair>, { maxKeys: 6 }).map((d) => {
      const input: FieldTable = {};
      const expected: FieldTable = {};
      for (const [k, v] of Object.entries(d)) {
        Object.defineProperty(input, k, {
          value: v.input,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        Object.defineProperty(expected, k, {
          value: v.expected,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return { input, expected };
    }),
    array: fc.array(tie('value') as fc.Arbitrary<Pair>, { maxLength: 5 }).map((xs) => ({
      input: xs.map((x) => x.input),
      expected: xs.map((x) => x.expected),
    })),
  }),
);

/** Field tables with every tag, nested tables and arrays. */
export const fieldTable = tree.table;

/**
 * Basic properties with each of the 14 present or absent (absent = undefined, `priority: 0`
 * occurs), as written and as decoded (headers hold tagged values).
 */
export const basicProperties: fc.Arbitrary<{ input: BasicProperties; expected: BasicProperties }> = fc
  .record(
    {
      contentType: shortStr,
      contentEncoding: shortStr,
      headers: fieldTable,
      deliveryMode: fc.integer({ min: 0, max: 255 }),
      priority: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
      correlationId: shortStr,
      replyTo: shortStr,
      expiration: shortStr,
      messageId: shortStr,
      timestamp: fc.maxSafeNat(),
      type: shortStr,
      userId: shortStr,
      appId: shortStr,
      clusterId: shortStr,
    },
    { requiredKeys: [] },
  )
  .map((r) => {
    const { headers, ...rest } = r;
    return {
      input: headers === undefined ? rest : { ...rest, headers: headers.input },
      expected: headers === undefined ? rest : { ...rest, headers: headers.expected },
    };
  });
