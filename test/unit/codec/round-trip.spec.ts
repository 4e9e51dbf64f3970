/**
 * Property-based round trips (fast-check): every method with arbitrary arguments of each field
 * type, field tables with every tag and nesting, and basic properties with any subset of the 14.
 * Encoded bytes go through the real parser, not a decoder shortcut.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  METHOD_FIELDS,
  METHOD_ID_BY_NAME,
  METHOD_INFO,
  encodeBasicPublish,
  encodeContentFrames,
  encodeFieldTable,
  encodeMethodFrame,
} from '../../../lib/protocol/codec/index.js';
import type { MethodName } from '../../../lib/protocol/codec/index.js';
import { decodeFieldTable } from '../../../lib/protocol/codec/field-table.js';
import { cursor } from '../../../lib/protocol/codec/primitives.js';
import { basicProperties, fieldTable, longStr, shortStr } from './arbitraries.js';
import { defined, parse } from './helpers.js';

function fieldArbitrary(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'bit':
      return fc.boolean();
    case 'octet':
      return fc.integer({ min: 0, max: 255 });
    case 'short':
      return fc.integer({ min: 0, max: 65535 });
    case 'long':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'longlong':
    case 'timestamp':
      return fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 2 ** 32, 2 ** 53 - 1));
    case 'shortstr':
      return shortStr;
    case 'longstr':
      return longStr;
    case 'table':
      return fieldTable;
    default:
      throw new Error(`no arbitrary for ${type}`);
  }
}

/** Arguments as written and as decoded (tables differ: tagged values read back as plain ones). */
function argsArbitrary(
  name: MethodName,
): fc.Arbitrary<{ input: Record<string, unknown>; expected: Record<string, unknown> }> {
  const fields = METHOD_FIELDS[name];
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) rec[f.name] = fieldArbitrary(f.type);
  return fc.record(rec).map((r) => {
    const input: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const f of fields) {
      const v = r[f.name] as { input: unknown; expected: unknown } | unknown;
      if (f.type === 'table') {
        input[f.name] = (v as { input: unknown }).input;
        expected[f.name] = (v as { expected: unknown }).expected;
      } else {
        input[f.name] = v;
        expected[f.name] = v;
      }
    }
    return { input, expected };
  });
}

const names = Object.keys(METHOD_ID_BY_NAME) as MethodName[];

describe('round trip: every method', () => {
  it('covers all methods of the spec', () => {
    expect(names.length).toBe(Object.keys(METHOD_INFO).length);
    expect(names).toEqual(
      expect.arrayContaining([
        'connection.update-secret',
        'exchange.bind',
        'basic.nack',
        'confirm.select',
        'tx.rollback-ok',
      ]),
    );
  });

  for (const name of names) {
    const info = METHOD_INFO[METHOD_ID_BY_NAME[name]]!;
    it(`${name}${info.hasContent ? ' with content' : ''}`, () => {
      const channelArb = fc.integer({ min: 0, max: 65535 });
      if (!info.hasContent) {
        fc.assert(
          fc.property(channelArb, argsArbitrary(name), (channel, args) => {
            const events = parse(encodeMethodFrame(channel, name, args.input as never), { frameMax: 0 });
            expect(events).toEqual([
              { kind: 'method', channel, method: { id: info.id, name, args: args.expected } },
            ]);
          }),
          { numRuns: 60 },
        );
        return;
      }
      fc.assert(
        fc.property(
          channelArb,
          argsArbitrary(name),
          basicProperties,
          fc.uint8Array({ maxLength: 3000 }),
          fc.integer({ min: 4096, max: 131072 }),
          (channel, args, props, body, frameMax) => {
            const bytes = encodeContentFrames(
              channel,
              name,
              args.input as never,
              props.input,
              Buffer.from(body),
              frameMax,
            );
            const events = parse(bytes, { frameMax: 0 });
            expect(events).toHaveLength(1);
            const e = events[0]!;
            if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
            expect(e.channel).toBe(channel);
            expect(e.method).toEqual({ id: info.id, name, args: args.expected });
            expect(defined(e.properties)).toEqual(props.expected);
            expect(Buffer.compare(e.body, Buffer.from(body))).toBe(0);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('long strings given as Buffers read back as UTF-8 strings', () => {
    fc.assert(
      fc.property(longStr, (s) => {
        const bytes = encodeMethodFrame(0, 'connection.secure-ok', { response: Buffer.from(s) });
        const e = parse(bytes)[0]!;
        expect(e).toEqual({
          kind: 'method',
          channel: 0,
          method: { id: 0x000a0015, name: 'connection.secure-ok', args: { response: s } },
        });
      }),
    );
  });

  it('64-bit fields keep full precision up to 2^53 - 1', () => {
    for (const tag of [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52 + 1, 2 ** 53 - 1]) {
      const e = parse(encodeMethodFrame(1, 'basic.ack', { deliveryTag: tag }))[0]!;
      expect(e.kind === 'method' && e.method.name === 'basic.ack' && e.method.args.deliveryTag).toBe(tag);
    }
  });
});

describe('round trip: field tables', () => {
  it('keeps the sign of -0 (found by the property below): encoded as a double, not an int', () => {
    const bytes = encodeFieldTable({ z: -0, i: 0 });
    const decoded = decodeFieldTable(bytes, 0, bytes.length);
    expect(Object.is(decoded['z'], -0)).toBe(true);
    expect(Object.is(decoded['i'], 0)).toBe(true);
  });

  it('every tag, nested tables and arrays', () => {
    fc.assert(
      fc.property(fieldTable, (t) => {
        const bytes = encodeFieldTable(t.input);
        const decoded = decodeFieldTable(bytes, 0, bytes.length);
        expect(cursor.pos).toBe(bytes.length);
        expect(decoded).toEqual(t.expected);
        // decoding is canonical: the decoded table encodes to a table that decodes the same
        const again = encodeFieldTable(decoded);
        expect(decodeFieldTable(again, 0, again.length)).toEqual(t.expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('round trip: basic properties', () => {
  it('any subset of the 14 properties, absent ones staying absent', () => {
    fc.assert(
      fc.property(basicProperties, (props) => {
        const bytes = encodeBasicPublish(1, 'x', 'y', false, props.input, Buffer.alloc(1), 131072);
        const e = parse(bytes)[0]!;
        if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
        expect(defined(e.properties)).toEqual(props.expected);
        for (const [k, v] of Object.entries(e.properties)) {
          expect(v === undefined).toBe((props.input as Record<string, unknown>)[k] === undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('strings either side of the JS / native measure and copy thresholds, ASCII or not, keep their bytes', () => {
    for (const n of [1, 9, 10, 11, 12, 31, 32, 33, 47, 48, 64, 65, 100, 255]) {
      const ascii = 'abcdefghij'.repeat(26).slice(0, n);
      const wide = `${'a'.repeat(Math.max(0, Math.floor((n - 2) / 2)))}é€`;
      for (const s of [ascii, wide]) {
        const bytes = encodeBasicPublish(1, s, s, false, { correlationId: s, headers: { [s]: s } }, Buffer.alloc(0), 131072);
        const e = parse(bytes)[0]!;
        if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
        expect(e.method.args).toMatchObject({ exchange: s, routingKey: s });
        expect(e.properties.correlationId).toBe(s);
        expect(e.properties.headers).toEqual({ [s]: s });
      }
    }
  });

  it('all 14 flags set, with priority 0 and empty strings kept', () => {
    const all = {
      contentType: '',
      contentEncoding: '',
      headers: {},
      deliveryMode: 0,
      priority: 0,
      correlationId: '',
      replyTo: '',
      expiration: '',
      messageId: '',
      timestamp: 0,
      type: '',
      userId: '',
      appId: '',
      clusterId: '',
    };
    const bytes = encodeBasicPublish(1, '', '', false, all, Buffer.alloc(0), 131072);
    // header frame payload: class, weight, size, then flags = bits 15..2 all set
    const headerAt = 8 + bytes.readUInt32BE(3);
    expect(bytes.readUInt16BE(headerAt + 7 + 12)).toBe(0xfffc);
    const e = parse(bytes)[0]!;
    if (e.kind !== 'content') throw new Error(`expected content, got ${e.kind}`);
    expect(e.properties).toEqual(all);
  });
});
