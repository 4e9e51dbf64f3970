/**
 * A golden byte vector written by hand from the AMQP 0-9-1 spec: a field table holding every tag,
 * decoded to the documented JS types and encoded back to the same bytes (inferred tags where they
 * apply).
 */
import { describe, expect, it } from '@jest/globals';
import { Decimal, TypedValue, encodeFieldTable } from '../../../lib/protocol/codec/index.js';
import type { FieldTable } from '../../../lib/protocol/codec/index.js';
import { decodeFieldTable } from '../../../lib/protocol/codec/field-table.js';
import { cursor } from '../../../lib/protocol/codec/primitives.js';
import { ascii, hex, lstr, sstr, table, u32, u8 } from './helpers.js';

describe('golden vectors: a field table holding every tag', () => {
  const bytes = table(
    sstr('S'), ascii('S'), lstr('str'),
    sstr('T'), ascii('T'), hex('000000006553f100'), // 1700000000 s
    sstr('b'), ascii('b'), hex('ff'),
    sstr('B'), ascii('B'), hex('c8'),
    sstr('s'), ascii('s'), hex('fffe'),
    sstr('u'), ascii('u'), hex('ffff'),
    sstr('I'), ascii('I'), hex('fffffffd'),
    sstr('i'), ascii('i'), hex('ee6b2800'), // 4000000000
    sstr('d'), ascii('d'), hex('3ff8000000000000'), // 1.5
    sstr('f'), ascii('f'), hex('3e800000'), // 0.25
    sstr('l'), ascii('l'), hex('fffffffffffffffc'),
    sstr('L'), ascii('L'), hex('0020000000000001'), // 2^53 + 1
    sstr('t'), ascii('t'), hex('01'),
    sstr('D'), ascii('D'), hex('02 00003039'), // 123.45
    sstr('F'), ascii('F'), table(sstr('a'), ascii('I'), u32(1)),
    sstr('A'), ascii('A'), u32(11), ascii('I'), u32(1), ascii('S'), lstr('x'),
    sstr('x'), ascii('x'), lstr(hex('010203')),
    sstr('V'), ascii('V'),
  ); // prettier-ignore

  const decoded: FieldTable = {
    S: 'str',
    T: new Date(1700000000 * 1000),
    b: -1,
    B: 200,
    s: -2,
    u: 65535,
    I: -3,
    i: 4000000000,
    d: 1.5,
    f: 0.25,
    l: -4,
    L: 9007199254740993n,
    t: true,
    D: new Decimal(2, 12345),
    F: { a: 1 },
    A: [1, 'x'],
    x: hex('010203'),
    V: null,
  };

  it('decodes to the documented JS types', () => {
    const t = decodeFieldTable(bytes, 0, bytes.length);
    expect(cursor.pos).toBe(bytes.length);
    expect(t).toEqual(decoded);
    expect(typeof t.L).toBe('bigint');
    expect(t.D).toBeInstanceOf(Decimal);
    expect(Buffer.isBuffer(t.x)).toBe(true);
  });

  it('encodes back to the same bytes (inferred tags where they apply, TypedValue for the rest)', () => {
    const input: FieldTable = {
      ...decoded,
      b: new TypedValue('b', -1),
      B: new TypedValue('B', 200),
      s: new TypedValue('s', -2),
      u: new TypedValue('u', 65535),
      i: new TypedValue('i', 4000000000),
      f: new TypedValue('f', 0.25),
      l: new TypedValue('l', -4),
      L: new TypedValue('L', 9007199254740993n),
    };
    expect(encodeFieldTable(input).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('infers S t I l d l x T V A F D for untagged values', () => {
    const t = encodeFieldTable({
      a: 'x',
      b: true,
      c: 7,
      d: 2 ** 40,
      e: 0.5,
      f: 5n,
      g: hex('00'),
      h: new Date(0),
      i: null,
      j: [],
      k: {},
      m: new Decimal(0, 1),
    });
    const expected = table(
      sstr('a'), ascii('S'), lstr('x'),
      sstr('b'), ascii('t'), u8(1),
      sstr('c'), ascii('I'), u32(7),
      sstr('d'), ascii('l'), hex('0000010000000000'),
      sstr('e'), ascii('d'), hex('3fe0000000000000'),
      sstr('f'), ascii('l'), hex('0000000000000005'),
      sstr('g'), ascii('x'), lstr(hex('00')),
      sstr('h'), ascii('T'), hex('0000000000000000'),
      sstr('i'), ascii('V'),
      sstr('j'), ascii('A'), u32(0),
      sstr('k'), ascii('F'), u32(0),
      sstr('m'), ascii('D'), hex('00 00000001'),
    ); // prettier-ignore
    expect(t.toString('hex')).toBe(expected.toString('hex'));
  });
});
