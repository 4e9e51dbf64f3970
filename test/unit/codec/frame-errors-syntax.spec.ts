/**
 * Every inbound error in a frame's content yields one FrameError (or subclass) with the spec's reply
 * code (502 SYNTAX_ERROR, 503 COMMAND_INVALID, 505 UNEXPECTED_FRAME), the stream offset and channel,
 * and nothing after it.
 */
import { describe, expect, it } from '@jest/globals';
import { encodeMethodFrame, MAX_TABLE_DEPTH } from '../../../lib/protocol/codec/index.js';
import { ascii, frame, hex, method, parse, sstr, u16, u32, u8 } from './helpers.js';
import { ack, deliverMethod, header, onlyError } from './frame-error-fixtures.js';

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
