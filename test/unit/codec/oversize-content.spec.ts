/**
 * A body over maxBodySize with an `onOversizeContent` handler: counted off as it streams past (never
 * stored), reported with its method and properties, and the stream goes on, at every split point.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  FrameParser,
  encodeContentFrames,
  encodeMethodFrame,
  type AnyMethod,
  type BasicProperties,
  type FrameHandler,
} from '../../../lib/protocol/codec/index.js';
import { BodyTooLargeError, type FrameError } from '../../../lib/protocol/errors.js';

type Event =
  | { kind: 'oversize'; channel: number; tag: number; messageId: string | undefined; bodySize: number; maxBodySize: number }
  | { kind: 'content'; channel: number; tag: number; body: string }
  | { kind: 'method'; channel: number; name: string }
  | { kind: 'error'; error: FrameError };

function recorder(options: { maxBodySize: number; frameMax: number }): { parser: FrameParser; events: Event[] } {
  const events: Event[] = [];
  const tag = (m: AnyMethod): number => (m.name === 'basic.deliver' ? m.args.deliveryTag : -1);
  const handler: FrameHandler = {
    onMethod: (channel, m) => events.push({ kind: 'method', channel, name: m.name }),
    onContent: (channel, m, _p, body) => events.push({ kind: 'content', channel, tag: tag(m), body: body.toString() }),
    onHeartbeat: () => undefined,
    onFrameError: (error) => events.push({ kind: 'error', error }),
    onOversizeContent: (channel, m, properties: BasicProperties, error) => {
      expect(error).toBeInstanceOf(BodyTooLargeError);
      expect(error.channel).toBe(channel);
      events.push({
        kind: 'oversize',
        channel,
        tag: tag(m),
        messageId: properties.messageId,
        bodySize: error.bodySize,
        maxBodySize: error.maxBodySize,
      });
    },
  };
  return { parser: new FrameParser(handler, options), events };
}

const FRAME_MAX = 40; // body frames of 32 bytes
const MAX_BODY = 50;
const deliver = (tag: number): { consumerTag: string; deliveryTag: number; exchange: string; routingKey: string } => ({
  consumerTag: 'c',
  deliveryTag: tag,
  exchange: '',
  routingKey: 'q',
});
const big = encodeContentFrames(1, 'basic.deliver', deliver(1), { messageId: 'big' }, Buffer.alloc(100, 0x61), FRAME_MAX);
const small = encodeContentFrames(1, 'basic.deliver', deliver(2), {}, Buffer.from('small'), FRAME_MAX);
const ack = encodeMethodFrame(3, 'basic.ack', { deliveryTag: 9 });
// Frames of another channel may sit between the body frames of channel 1: one after the 2nd body frame.
const bigFrames: Buffer[] = [];
for (let o = 0; o < big.length; ) {
  const size = big.readUInt32BE(o + 3) + 8;
  bigFrames.push(big.subarray(o, o + size));
  o += size;
}
const stream = Buffer.concat([...bigFrames.slice(0, 4), ack, ...bigFrames.slice(4), small]);
const expected: Event[] = [
  { kind: 'method', channel: 3, name: 'basic.ack' },
  { kind: 'oversize', channel: 1, tag: 1, messageId: 'big', bodySize: 100, maxBodySize: MAX_BODY },
  { kind: 'content', channel: 1, tag: 2, body: 'small' },
];

describe('an oversize body with onOversizeContent', () => {
  it('is reported once, with its method and properties, and the stream goes on', () => {
    expect(bigFrames.length).toBe(6); // method, header, 4 body frames
    const { parser, events } = recorder({ maxBodySize: MAX_BODY, frameMax: FRAME_MAX });
    parser.push(stream);
    expect(events).toEqual(expected);
    expect(parser.failed).toBe(false);
  });

  it('gives the same events split in two at every byte', () => {
    for (let cut = 1; cut < stream.length; cut += 1) {
      const { parser, events } = recorder({ maxBodySize: MAX_BODY, frameMax: FRAME_MAX });
      parser.push(stream.subarray(0, cut));
      parser.push(stream.subarray(cut));
      expect(events).toEqual(expected);
    }
  });

  it('gives the same events in any number of chunks (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const { parser, events } = recorder({ maxBodySize: MAX_BODY, frameMax: FRAME_MAX });
        for (let i = 1; i < points.length; i += 1) parser.push(stream.subarray(points[i - 1], points[i]));
        expect(events).toEqual(expected);
      }),
    );
  });

  it('is still fatal without the handler, and for a size past 2^53 even with it', () => {
    const events: Array<{ error: FrameError }> = [];
    const bare = new FrameParser(
      {
        onMethod: () => undefined,
        onContent: () => undefined,
        onHeartbeat: () => undefined,
        onFrameError: (error) => events.push({ error }),
      },
      { maxBodySize: MAX_BODY, frameMax: FRAME_MAX },
    );
    bare.push(stream);
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toBeInstanceOf(BodyTooLargeError);
    expect(bare.failed).toBe(true);

    const { parser, events: withHandler } = recorder({ maxBodySize: MAX_BODY, frameMax: FRAME_MAX });
    const method = encodeMethodFrame(1, 'basic.deliver', deliver(1));
    // A header announcing 2^56 bytes: class 60, weight 0, size hi 0x01000000, lo 0, no property flags.
    const header = Buffer.from('020001000000 0e 003c 0000 01000000 00000000 0000 ce'.replace(/ /g, ''), 'hex');
    parser.push(Buffer.concat([method, header]));
    expect(withHandler).toHaveLength(1);
    expect(withHandler[0]!.kind).toBe('error');
    expect(parser.failed).toBe(true);
  });
});
