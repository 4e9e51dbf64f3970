/**
 * Every inbound framing error yields one FrameError with 501 FRAME_ERROR, the stream offset and
 * channel, and nothing after it; after an error the parser ignores all later input.
 */
import { describe, expect, it } from '@jest/globals';
import {
  encodeBasicPublish,
  encodeMethodFrame,
  HEARTBEAT_FRAME,
} from '../../../lib/protocol/codec/index.js';
import { BodyTooLargeError } from '../../../lib/protocol/errors.js';
import { ascii, frame, hex, parse, recorder } from './helpers.js';
import { ack, deliverMethod, header, onlyError } from './frame-error-fixtures.js';

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
