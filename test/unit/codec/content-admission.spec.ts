/**
 * The parser refuses before it allocates: content the handler does not admit fails (or streams past)
 * at its method frame, and a body buffer holds what arrived, never the announced size up front.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  FrameParser,
  encodeContentFrames,
  type AnyMethod,
  type FrameHandler,
} from '../../../lib/protocol/codec/index.js';
import { FrameError, UnknownChannelError } from '../../../lib/protocol/errors.js';
import { bodyFrame, deliverFrame, headerFrame } from '../../support/content-frames.js';

const MiB = 1024 * 1024;

interface Seen {
  contents: { channel: number; body: Buffer }[];
  errors: FrameError[];
  admitted: number[];
}

function parserWith(admit?: (channel: number, method: AnyMethod) => boolean | FrameError): { parser: FrameParser; seen: Seen } {
  const seen: Seen = { contents: [], errors: [], admitted: [] };
  const handler: FrameHandler = {
    onMethod: () => undefined,
    onContent: (channel, _m, _p, body) => seen.contents.push({ channel, body: Buffer.from(body) }),
    onHeartbeat: () => undefined,
    onFrameError: (error) => seen.errors.push(error),
  };
  if (admit !== undefined) {
    handler.admitContent = (channel, method) => {
      seen.admitted.push(channel);
      return admit(channel, method);
    };
  }
  return { parser: new FrameParser(handler, { frameMax: 131072, maxBodySize: 64 * MiB }), seen };
}

function arrayBuffers(): number {
  return process.memoryUsage().arrayBuffers;
}

describe('content admission (refused before anything is kept)', () => {
  it('fails the stream at the method frame when the handler refuses the channel: the header is never read', () => {
    const { parser, seen } = parserWith((channel, m) => new UnknownChannelError(channel, m.name, 2047));
    parser.push(Buffer.concat([deliverFrame(5), headerFrame(5, 48 * MiB), bodyFrame(5, Buffer.alloc(1000))]));
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(UnknownChannelError);
    expect(seen.errors[0]).toMatchObject({ replyCode: 504, channel: 5, code: 'ERR_AMQP_UNKNOWN_CHANNEL' });
    expect(seen.errors[0]!.message).toBe('basic.deliver with content for channel 5, which is not open');
    expect(parser.failed).toBe(true);
  });

  it('lets declined content stream past unstored and unreported, and goes on with the next frames', () => {
    const { parser, seen } = parserWith((channel) => channel === 1);
    const declined = encodeContentFrames(2, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1 }, {}, Buffer.alloc(300_000, 1), 131072);
    const taken = encodeContentFrames(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 2 }, {}, Buffer.from('kept'), 131072);
    const stream = Buffer.concat([declined, taken]);
    for (let at = 0; at < stream.length; at += 7000) parser.push(stream.subarray(at, at + 7000));
    expect(seen.errors).toEqual([]);
    expect(seen.contents.map((c) => [c.channel, c.body.toString()])).toEqual([[1, 'kept']]);
    expect(seen.admitted).toEqual([2, 1]);
  });
});

describe('body buffers: the announced size within a 16 MiB budget, else what arrived', () => {
  it('60 channels announcing 64 MiB each and sending 1 KiB reserve about a megabyte, not 3,840 MB', () => {
    const { parser, seen } = parserWith(() => true);
    const before = arrayBuffers();
    for (let ch = 1; ch <= 60; ch++) {
      parser.push(Buffer.concat([deliverFrame(ch), headerFrame(ch, 64 * MiB), bodyFrame(ch, Buffer.alloc(1024, ch))]));
    }
    const grown = arrayBuffers() - before;
    expect(seen.errors).toEqual([]);
    expect(grown).toBeLessThan(2 * MiB);
  });

  it('4 channels announcing 48 MiB with 1 MiB really sent each hold about what was sent', () => {
    const { parser, seen } = parserWith(() => true);
    const heads = [1, 2, 3, 4].map((ch) => Buffer.concat([deliverFrame(ch), headerFrame(ch, 48 * MiB)]));
    const pieces = [1, 2, 3, 4].map((ch) => bodyFrame(ch, Buffer.alloc(64 * 1024, ch)));
    const before = arrayBuffers();
    for (let ch = 1; ch <= 4; ch++) {
      parser.push(heads[ch - 1]!);
      for (let i = 0; i < 16; i++) parser.push(pieces[ch - 1]!);
    }
    const grown = arrayBuffers() - before;
    expect(seen.errors).toEqual([]);
    expect(seen.contents).toEqual([]);
    // 4 x 1 MiB arrived; the buffers outgrown on the way are garbage not yet collected. Sized from
    // the header, this was 4 x 48 MiB.
    expect(grown).toBeLessThan(16 * MiB);
  });

  it('a body whole in one chunk, over several frames, is delivered intact (one buffer of its exact size)', () => {
    const { parser, seen } = parserWith();
    const body = Buffer.alloc(1_000_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    parser.push(encodeContentFrames(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1 }, {}, body, 131072));
    expect(seen.contents).toHaveLength(1);
    expect(seen.contents[0]!.body.equals(body)).toBe(true);
  });

  it('any body, in any chunking, comes out byte for byte', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70_000 }),
        fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 40 }),
        (size, cuts) => {
          const body = Buffer.alloc(size);
          for (let i = 0; i < size; i++) body[i] = (i * 7 + size) & 0xff;
          const wire = encodeContentFrames(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1 }, {}, body, 4096);
          const { parser, seen } = new ParserBox();
          let at = 0;
          for (let k = 0; at < wire.length; k++) {
            const n = cuts[k % cuts.length]!;
            parser.push(wire.subarray(at, at + n));
            at += n;
          }
          expect(seen.errors).toEqual([]);
          expect(seen.contents).toHaveLength(1);
          expect(seen.contents[0]!.body.equals(body)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** A parser with frame_max 4096 and a recording handler. */
class ParserBox {
  readonly seen: Seen = { contents: [], errors: [], admitted: [] };
  readonly parser = new FrameParser(
    {
      onMethod: () => undefined,
      onContent: (channel, _m, _p, body) => this.seen.contents.push({ channel, body: Buffer.from(body) }),
      onHeartbeat: () => undefined,
      onFrameError: (error) => this.seen.errors.push(error),
    },
    { frameMax: 4096 },
  );
}
