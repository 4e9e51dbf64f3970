/**
 * Every inbound error path yields one FrameError (or subclass) with the spec's reply code, the
 * stream offset and channel, and nothing after it; every value that cannot be encoded throws an
 * EncodeError before a buffer is returned.
 */
import { describe, expect, it } from '@jest/globals';
import {
  TypedValue,
  encodeBasicPublish,
  encodeContentFrames,
  encodeFieldTable,
  encodeMethodFrame,
  HEARTBEAT_FRAME,
  MAX_TABLE_DEPTH,
} from '../../../lib/protocol/codec/index.js';
import type { FieldTable, FieldValue } from '../../../lib/protocol/codec/index.js';
import { BodyTooLargeError, EncodeError, FrameError } from '../../../lib/protocol/errors.js';
import { ascii, frame, hex, method, parse, recorder, sstr, u16, u32, u8 } from './helpers.js';

function onlyError(bytes: Buffer, options?: { frameMax?: number; maxBodySize?: number }): FrameError {
  const events = parse(bytes, options);
  const errors = events.filter((e) => e.kind === 'error');
  expect(errors).toHaveLength(1);
  expect(events[events.length - 1]!.kind).toBe('error');
  const e = errors[0]!;
  if (e.kind !== 'error') throw new Error('unreachable');
  expect(e.error).toBeInstanceOf(FrameError);
  return e.error;
}

const ack = encodeMethodFrame(3, 'basic.ack', { deliveryTag: 1 });
const deliverMethod = encodeMethodFrame(1, 'basic.deliver', {
  consumerTag: 't',
  deliveryTag: 1,
  exchange: '',
  routingKey: 'k',
});
const header = (size: number, channel = 1, classId = 60): Buffer =>
  frame(2, channel, u16(classId), u16(0), u32(Math.floor(size / 2 ** 32)), u32(size >>> 0), u16(0));

describe('inbound errors: 501 FRAME_ERROR', () => {
  it('an invalid frame type', () => {
    const err = onlyError(Buffer.concat([ack, hex('05 0000 00000000 ce')]));
    expect(err.replyCode).toBe(501);
    expect(err.message).toContain('invalid frame type 5');
    expect(err.offset).toBe(ack.length);
  });

  it('a missing frame-end octet', () => {
    const bad = Buffer.from(ack);
    bad[bad.length - 1] = 0x00;
    const err = onlyError(bad);
    expect(err.replyCode).toBe(501);
    expect(err.message).toContain('0xCE');
    expect(err.offset).toBe(bad.length - 1);
    expect(err.channel).toBe(3);
  });

  it('a missing frame-end octet on a frame split across chunks, and on a streamed body', () => {
    const bad = Buffer.from(ack);
    bad[bad.length - 1] = 0x01;
    const { parser, events } = recorder();
    parser.push(bad.subarray(0, 5));
    parser.push(bad.subarray(5));
    expect(events).toHaveLength(1);
    expect(events[0]!.kind === 'error' && events[0]!.error.replyCode).toBe(501);
    expect(events[0]!.kind === 'error' && events[0]!.error.offset).toBe(bad.length - 1);

    const pub = encodeBasicPublish(1, '', 'q', false, {}, Buffer.alloc(100, 1), 131072);
    pub[pub.length - 1] = 0x02;
    const r = recorder();
    r.parser.push(pub.subarray(0, pub.length - 50));
    r.parser.push(pub.subarray(pub.length - 50));
    expect(r.events.map((e) => (e.kind === 'error' ? e.error.replyCode : e.kind))).toEqual([501]);
  });

  it('a frame larger than frame_max, refused from its header before the payload arrives', () => {
    const { parser, events } = recorder({ frameMax: 8192 });
    parser.push(hex('01 0001 00002000')); // 8192-byte payload: 8200-byte frame
    expect(events).toHaveLength(1);
    const e = events[0]!;
    if (e.kind !== 'error') throw new Error('expected an error');
    expect(e.error.replyCode).toBe(501);
    expect(e.error.message).toContain('exceeds frame_max 8192');
    expect(e.error.channel).toBe(1);
  });

  it('frame_max 0 (no limit) still caps a frame at maxBodySize + 8, so no huge frame buffer is allocated', () => {
    const { parser, events } = recorder({ frameMax: 0, maxBodySize: 1000 });
    parser.push(hex('01 0001 000003e9')); // a 1001-byte payload: a 1009-byte frame
    expect(events).toHaveLength(1);
    expect(events[0]!.kind === 'error' && events[0]!.error.message).toContain('exceeds frame_max 1008');
    expect(parse(encodeMethodFrame(1, 'basic.ack', {}), { frameMax: 0, maxBodySize: 1000 })[0]!.kind).toBe(
      'method',
    );
  });

  it('a heartbeat on a channel other than 0, or with a payload', () => {
    expect(onlyError(hex('08 0001 00000000 ce')).replyCode).toBe(501);
    expect(onlyError(hex('08 0000 00000001 00 ce')).replyCode).toBe(501);
  });

  it("the broker's protocol header instead of a frame names the version it offers", () => {
    const err = onlyError(Buffer.concat([ascii('AMQP'), hex('00 00 08 00')]));
    expect(err.replyCode).toBe(501);
    expect(err.message).toContain('offered AMQP 0-8-0');
    expect(err.offset).toBe(0);
    const { parser, events } = recorder();
    parser.push(ascii('AMQ'));
    parser.push(hex('50 01 01 00 09'));
    expect(events).toHaveLength(1);
    expect(events[0]!.kind === 'error' && events[0]!.error.message).toContain('offered AMQP 1-0-9');
  });

  it('a body larger than maxBodySize is refused at its header, before any body byte is buffered', () => {
    const { parser, events } = recorder({ maxBodySize: 1000 });
    parser.push(Buffer.concat([deliverMethod, header(1001)]));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    if (e.kind !== 'error') throw new Error('expected an error');
    expect(e.error).toBeInstanceOf(BodyTooLargeError);
    expect(e.error.replyCode).toBe(501);
    expect((e.error as BodyTooLargeError).bodySize).toBe(1001);
    expect(e.error.channel).toBe(1);
    expect(parser.failed).toBe(true);
    // the default limit is 64 MiB; a body size over 2^53 is refused the same way
    expect(onlyError(Buffer.concat([deliverMethod, header(64 * 1024 * 1024 + 1)]))).toBeInstanceOf(
      BodyTooLargeError,
    );
    expect(
      onlyError(Buffer.concat([deliverMethod, frame(2, 1, hex('003c 0000 ffffffffffffffff 0000'))])),
    ).toBeInstanceOf(BodyTooLargeError);
  });
});

describe('inbound errors: 502 SYNTAX_ERROR', () => {
  it('a truncated field (payload shorter than its arguments)', () => {
    // basic.ack payload: class, method, then only 4 of the 8 delivery-tag bytes
    const err = onlyError(method(1, 60, 80, u32(0)));
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('basic.ack deliveryTag');
    expect(err.offset).toBe(11);
  });

  it('a short string running past the payload', () => {
    const err = onlyError(method(1, 60, 60, u8(200), ascii('abc')));
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('consumerTag');
  });

  it('a payload with bytes after the last argument', () => {
    const err = onlyError(method(1, 60, 80, hex('0000000000000001 00 ff')));
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('unexpected bytes');
  });

  it('an invalid field-table tag', () => {
    const table = Buffer.concat([u32(3), sstr('k'), ascii('U')]);
    const err = onlyError(method(1, 50, 10, u16(0), sstr('q'), u8(0), table));
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('invalid field table tag 0x55');
    expect(err.channel).toBe(1);
  });

  it('a table whose length runs past the payload, and a value past its table', () => {
    expect(onlyError(method(1, 50, 10, u16(0), sstr('q'), u8(0), u32(100))).replyCode).toBe(502);
    const shortTable = Buffer.concat([u32(4), sstr('k'), ascii('I'), u32(1)]);
    expect(onlyError(method(1, 50, 10, u16(0), sstr('q'), u8(0), shortTable, u32(0))).replyCode).toBe(502);
  });

  it(`tables nested deeper than ${MAX_TABLE_DEPTH} levels (no stack overflow)`, () => {
    let t = u32(0);
    for (let i = 0; i < 5000; i++) t = Buffer.concat([u32(t.length + 3), sstr('a'), ascii('F'), t]);
    const err = onlyError(method(1, 50, 10, u16(0), sstr('q'), u8(0), t), { frameMax: 0 });
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('nested deeper');
  });

  it('a 64-bit delivery tag above 2^53 - 1', () => {
    const err = onlyError(method(1, 60, 80, hex('0020000000000000 00')));
    expect(err.replyCode).toBe(502);
    expect(err.message).toContain('precision');
  });

  it('a content header with bytes after its properties, or an unknown property flag', () => {
    expect(
      onlyError(Buffer.concat([deliverMethod, frame(2, 1, hex('003c 0000 0000000000000000 0000 00'))]))
        .replyCode,
    ).toBe(502);
    expect(
      onlyError(Buffer.concat([deliverMethod, frame(2, 1, hex('003c 0000 0000000000000000 0002'))]))
        .replyCode,
    ).toBe(502);
  });
});

describe('inbound errors: 503 COMMAND_INVALID', () => {
  it('an unknown class or method', () => {
    const err = onlyError(method(1, 60, 99));
    expect(err.replyCode).toBe(503);
    expect(err.message).toContain('class 60, method 99');
    expect(onlyError(method(0, 77, 10)).replyCode).toBe(503);
  });
});

describe('inbound errors: 505 UNEXPECTED_FRAME', () => {
  it('a content header without a content method before it', () => {
    expect(onlyError(header(1)).replyCode).toBe(505);
    expect(onlyError(Buffer.concat([ack, header(1, 3)])).replyCode).toBe(505);
  });

  it('a body frame without a header before it', () => {
    expect(onlyError(frame(3, 1, ascii('x'))).replyCode).toBe(505);
    const err = onlyError(Buffer.concat([deliverMethod, frame(3, 1, ascii('x'))]));
    expect(err.replyCode).toBe(505);
    expect(err.channel).toBe(1);
  });

  it('a method while content is pending on that channel (but not on another)', () => {
    const err = onlyError(Buffer.concat([deliverMethod, header(10), encodeMethodFrame(1, 'basic.ack', {})]));
    expect(err.replyCode).toBe(505);
    expect(err.message).toContain('basic.deliver content is incomplete');
    const ok = parse(
      Buffer.concat([
        deliverMethod,
        header(1),
        encodeMethodFrame(2, 'basic.ack', {}),
        frame(3, 1, ascii('x')),
      ]),
    );
    expect(ok.map((e) => e.kind)).toEqual(['method', 'content']);
  });

  it('a second header, a body overrunning the announced size, a header of another class', () => {
    expect(onlyError(Buffer.concat([deliverMethod, header(10), header(10)])).replyCode).toBe(505);
    expect(onlyError(Buffer.concat([deliverMethod, header(3), frame(3, 1, ascii('abcd'))])).replyCode).toBe(
      505,
    );
    expect(onlyError(Buffer.concat([deliverMethod, header(3, 1, 50)])).replyCode).toBe(505);
  });
});

describe('after an error', () => {
  it('the parser reports failed and ignores all later input', () => {
    const { parser, events } = recorder();
    parser.push(hex('07 0000 00000000 ce'));
    expect(parser.failed).toBe(true);
    parser.push(HEARTBEAT_FRAME);
    parser.push(ack);
    expect(events).toHaveLength(1);
  });
});

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
