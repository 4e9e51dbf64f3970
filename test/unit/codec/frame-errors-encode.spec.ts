/**
 * Every value that cannot be encoded throws an EncodeError before a buffer is returned.
 */
import { describe, expect, it } from '@jest/globals';
import {
  TypedValue,
  encodeBasicPublish,
  encodeContentFrames,
  encodeFieldTable,
  encodeMethodFrame,
} from '../../../lib/protocol/codec/index.js';
import type { FieldTable, FieldValue } from '../../../lib/protocol/codec/index.js';
import { EncodeError } from '../../../lib/protocol/errors.js';

describe('encode errors', () => {
  const expectEncodeError = (fn: () => unknown, text: string): void => {
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EncodeError);
    expect((thrown as EncodeError).message).toContain(text);
  };

  it('a short string over 255 bytes (characters or UTF-8 bytes)', () => {
    expectEncodeError(
      () => encodeMethodFrame(1, 'queue.declare', { queue: 'q'.repeat(256) }),
      'queue.declare queue',
    );
    expectEncodeError(
      () => encodeMethodFrame(1, 'queue.declare', { queue: 'é'.repeat(128) }),
      '256 bytes exceeds 255',
    );
    expectEncodeError(
      () => encodeBasicPublish(1, '', 'k'.repeat(300), false, {}, Buffer.alloc(0), 131072),
      'routingKey',
    );
    expectEncodeError(
      () => encodeBasicPublish(1, '', '', false, { messageId: 'm'.repeat(256) }, Buffer.alloc(0), 131072),
      'messageId',
    );
    expectEncodeError(() => encodeFieldTable({ ['k'.repeat(256)]: 1 }), 'exceeds 255 bytes');
    expect(encodeMethodFrame(1, 'queue.declare', { queue: 'q'.repeat(255) }).length).toBe(
      12 + 2 + 256 + 1 + 4,
    );
  });

  it('a content header over frame_max', () => {
    const headers: FieldTable = { big: 'x'.repeat(9000) };
    expectEncodeError(
      () => encodeBasicPublish(1, '', 'q', false, { headers }, Buffer.alloc(1), 8192),
      'exceeds frame_max 8192',
    );
    expectEncodeError(
      () => encodeContentFrames(1, 'basic.publish', {}, { headers }, Buffer.alloc(1), 8192),
      'exceeds frame_max 8192',
    );
  });

  it('64-bit values that are not safe non-negative integers', () => {
    for (const deliveryTag of [2 ** 53, -1, 1.5, Number.NaN]) {
      expectEncodeError(() => encodeMethodFrame(1, 'basic.ack', { deliveryTag }), 'basic.ack deliveryTag');
    }
    expectEncodeError(
      () => encodeBasicPublish(1, '', '', false, { timestamp: 2 ** 60 }, Buffer.alloc(0), 131072),
      'timestamp',
    );
    expectEncodeError(() => encodeFieldTable({ n: 2n ** 63n }), 'signed 64-bit');
    expectEncodeError(() => encodeFieldTable({ n: new TypedValue('L', 1.5) }), '64-bit tag');
  });

  it('out-of-range octets, shorts and longs', () => {
    expectEncodeError(
      () => encodeBasicPublish(1, '', '', false, { deliveryMode: 256 }, Buffer.alloc(0), 131072),
      'deliveryMode',
    );
    expectEncodeError(
      () => encodeBasicPublish(1, '', '', false, { priority: -1 }, Buffer.alloc(0), 131072),
      'priority',
    );
    expectEncodeError(() => encodeMethodFrame(0, 'connection.tune-ok', { channelMax: 65536 }), 'channelMax');
    expectEncodeError(() => encodeMethodFrame(0, 'connection.tune-ok', { frameMax: 2 ** 32 }), 'frameMax');
    expectEncodeError(() => encodeMethodFrame(65536, 'channel.open', {}), 'channel');
    expectEncodeError(() => encodeFieldTable({ b: new TypedValue('b', 128) }), "tag 'b'");
    expectEncodeError(() => encodeFieldTable({ u: new TypedValue('u', -1) }), "tag 'u'");
  });

  it('table values that have no AMQP form', () => {
    const cyclic: FieldTable = {};
    cyclic.self = cyclic;
    expectEncodeError(() => encodeFieldTable(cyclic), 'nesting deeper');
    expectEncodeError(() => encodeFieldTable({ f: (() => 1) as unknown as FieldValue }), 'function');
    expectEncodeError(() => encodeFieldTable({ s: Symbol('x') as unknown as FieldValue }), 'symbol');
    expectEncodeError(() => encodeFieldTable({ m: new Map() as unknown as FieldValue }), 'Map');
    expectEncodeError(
      () => encodeFieldTable({ t: new TypedValue('Q' as never, 1) }),
      "unknown field tag 'Q'",
    );
    expectEncodeError(() => encodeFieldTable({ t: new TypedValue('t', 1) }), "tag 't' needs a boolean");
    expectEncodeError(() => encodeFieldTable({ d: new Date(Number.NaN) }), 'not a valid timestamp');
  });

  it('unknown methods, content on a method without content, and bad bodies', () => {
    expectEncodeError(() => encodeMethodFrame(1, 'basic.teleport' as never, {} as never), 'unknown method');
    expectEncodeError(
      () => encodeContentFrames(1, 'basic.ack', {}, {}, Buffer.alloc(0), 131072),
      'does not carry content',
    );
    expectEncodeError(
      () => encodeBasicPublish(1, '', '', false, {}, 'text' as unknown as Buffer, 131072),
      'body must be a Buffer',
    );
    expectEncodeError(() => encodeBasicPublish(1, '', '', false, {}, Buffer.alloc(1), 5), 'frameMax 5');
  });
});
