/**
 * The incremental parser fed every split of a multi-frame stream: method + header + multi-frame
 * body + heartbeat + methods on other channels, cut at every offset, into three or more chunks,
 * with Buffers at non-zero byteOffsets. Also: zero-copy and one-copy body assembly, body split at
 * frameMax - 8, frameMax changed mid-stream, and handler exceptions.
 */
import { describe, expect, it } from '@jest/globals';
import {
  FrameParser,
  HEARTBEAT_FRAME,
  encodeBasicPublish,
  encodeBasicPublishVectored,
  encodeContentFrames,
  encodeMethodFrame,
} from '../../../lib/protocol/codec/index.js';
import type { AnyMethod, BasicProperties } from '../../../lib/protocol/codec/index.js';
import { defined, offsetCopy, parse, prng, recorder } from './helpers.js';
import type { ParsedEvent } from './helpers.js';

const FRAME_MAX = 2048;
const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));

/** method + header + 3 body frames + heartbeat + a method + a small message on another channel + qos-ok. */
const stream = Buffer.concat([
  encodeContentFrames(
    1,
    'basic.deliver',
    { consumerTag: 'ctag', deliveryTag: 2 ** 40 + 1, redelivered: true, exchange: 'ex', routingKey: 'rk' },
    {
      contentType: 'application/octet-stream',
      headers: { n: 1, s: 'x', nested: { a: [1, 2] } },
      priority: 0,
    },
    body,
    FRAME_MAX,
  ),
  HEARTBEAT_FRAME,
  encodeMethodFrame(2, 'basic.ack', { deliveryTag: 5, multiple: true }),
  encodeBasicPublish(3, '', 'q', false, { deliveryMode: 2 }, Buffer.from('tiny'), FRAME_MAX),
  encodeMethodFrame(1, 'basic.qos-ok', {}),
]);

function summarize(events: ParsedEvent[]): unknown[] {
  return events.map((e) => {
    switch (e.kind) {
      case 'content':
        return {
          kind: e.kind,
          channel: e.channel,
          method: e.method,
          properties: defined(e.properties),
          body: e.body.toString('hex'),
        };
      case 'error':
        return { kind: e.kind, message: e.error.message };
      default:
        return e;
    }
  });
}

const expectedEvents = summarize(parse(stream, { frameMax: FRAME_MAX }));
/** Compared as one string: thousands of feeds, and a string compare keeps the suite fast. */
const expected = JSON.stringify(expectedEvents);

function feed(chunks: Buffer[]): string {
  const { parser, events } = recorder({ frameMax: FRAME_MAX });
  for (const c of chunks) parser.push(c);
  return JSON.stringify(summarize(events));
}

describe('FrameParser: splits', () => {
  it('parses the whole stream in one chunk', () => {
    expect(expectedEvents).toHaveLength(5);
    expect(expectedEvents.map((e) => (e as { kind: string }).kind)).toEqual([
      'content',
      'heartbeat',
      'method',
      'content',
      'method',
    ]);
    const first = expectedEvents[0] as { body: string; method: AnyMethod; properties: BasicProperties };
    expect(first.body).toBe(body.toString('hex'));
    expect(first.method.args).toEqual({
      consumerTag: 'ctag',
      deliveryTag: 2 ** 40 + 1,
      redelivered: true,
      exchange: 'ex',
      routingKey: 'rk',
    });
    expect(first.properties).toEqual({
      contentType: 'application/octet-stream',
      headers: { n: 1, s: 'x', nested: { a: [1, 2] } },
      priority: 0,
    });
  });

  it('gives the same events for a split at every offset', () => {
    for (let i = 1; i < stream.length; i++) {
      expect(feed([stream.subarray(0, i), stream.subarray(i)])).toEqual(expected);
    }
  });

  it('gives the same events for every pair of split points within the first frames (3 chunks)', () => {
    const limit = Math.min(stream.length, 160);
    for (let i = 1; i < limit; i++) {
      for (let j = i + 1; j < limit; j += 3) {
        expect(feed([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)])).toEqual(expected);
      }
    }
  });

  it('gives the same events for random splits into 3..60 chunks at non-zero byteOffsets', () => {
    const rnd = prng(7);
    for (let round = 0; round < 300; round++) {
      const n = 3 + Math.floor(rnd() * 58);
      const cuts = new Set<number>();
      while (cuts.size < n - 1) cuts.add(1 + Math.floor(rnd() * (stream.length - 1)));
      const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
      const chunks = points
        .slice(1)
        .map((end, k) => offsetCopy(stream.subarray(points[k], end), 1 + (k % 17)));
      expect(chunks.every((c) => c.byteOffset > 0)).toBe(true);
      expect(feed(chunks)).toEqual(expected);
    }
  });

  it('parses byte by byte', () => {
    expect(feed([...stream].map((b) => Buffer.from([b])))).toEqual(expected);
  });
});

describe('FrameParser: body assembly', () => {
  it('hands out a body that arrives as one frame in one chunk as a subarray of that chunk (no copy)', () => {
    const wire = offsetCopy(
      encodeBasicPublish(1, 'ex', 'rk', false, {}, Buffer.from('zero-copy body'), 131072),
    );
    const bodies: Buffer[] = [];
    const p = new FrameParser({
      onMethod() {},
      onContent: (_c, _m, _p, b) => bodies.push(b),
      onHeartbeat() {},
      onFrameError: (e) => {
        throw e;
      },
    });
    p.push(wire);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.buffer).toBe(wire.buffer);
    expect(bodies[0]!.toString()).toBe('zero-copy body');
  });

  it('copies a body split over frames into one buffer of exactly bodySize', () => {
    const big = Buffer.alloc(20000, 0x5a);
    const wire = encodeBasicPublish(1, 'ex', 'rk', false, {}, big, 8192);
    const bodies: Buffer[] = [];
    const p = new FrameParser(
      {
        onMethod() {},
        onContent: (_c, _m, _p, b) => bodies.push(b),
        onHeartbeat() {},
        onFrameError: (e) => {
          throw e;
        },
      },
      { frameMax: 8192 },
    );
    p.push(wire);
    expect(bodies[0]!.buffer).not.toBe(wire.buffer);
    expect(bodies[0]!.length).toBe(20000);
    expect(bodies[0]!.buffer.byteLength).toBeGreaterThanOrEqual(20000);
    expect(bodies[0]!.equals(big)).toBe(true);
  });

  it('splits bodies at frameMax - 8 and reassembles them', () => {
    for (const frameMax of [24, 100, 4096, 8192, 131072]) {
      const chunk = frameMax - 8;
      for (const size of [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 3 * chunk + 5]) {
        const b = Buffer.from(Array.from({ length: size }, (_, i) => i & 0xff));
        const wire = encodeBasicPublish(7, 'e', 'r', false, undefined, b, frameMax);
        // walk the frames: method, header, then ceil(size / chunk) body frames of at most chunk bytes
        const sizes: number[] = [];
        for (let o = 0; o < wire.length; o += 8 + wire.readUInt32BE(o + 3)) {
          expect(wire.readUInt32BE(o + 3) + 8).toBeLessThanOrEqual(frameMax);
          if (wire[o] === 3) sizes.push(wire.readUInt32BE(o + 3));
        }
        expect(sizes.length).toBe(Math.ceil(size / chunk));
        expect(
          sizes.every((s, k) => s === (k < sizes.length - 1 ? chunk : size - chunk * (sizes.length - 1))),
        ).toBe(true);
        const events = parse(wire, { frameMax });
        expect(events).toHaveLength(1);
        const e = events[0]!;
        expect(e.kind === 'content' && e.body.equals(b)).toBe(true);
        // and the vectored encoder writes the very same bytes without copying the body
        const parts = encodeBasicPublishVectored(7, 'e', 'r', false, undefined, b, frameMax);
        expect(Buffer.concat(parts).equals(wire)).toBe(true);
      }
    }
  });

  it('vectored publish hands out subarrays of the body for large bodies', () => {
    const big = Buffer.alloc(70000, 1);
    const parts = encodeBasicPublishVectored(1, 'ex', 'rk', false, { priority: 0 }, big, 32768);
    expect(parts.filter((p) => p.buffer === big.buffer).length).toBe(3);
    expect(
      Buffer.concat(parts).equals(encodeBasicPublish(1, 'ex', 'rk', false, { priority: 0 }, big, 32768)),
    ).toBe(true);
  });

  it('keeps content of interleaved channels apart', () => {
    const a = encodeBasicPublish(1, '', 'a', false, {}, Buffer.alloc(30, 1), 4096);
    const b = encodeBasicPublish(2, '', 'b', false, {}, Buffer.alloc(5000, 2), 4096);
    // a's method + header, b's method + header + body frames, a's body
    const aMethodHeader = a.subarray(0, a.length - 38);
    const aBody = a.subarray(a.length - 38);
    const events = parse(Buffer.concat([aMethodHeader, b, aBody]), { frameMax: 4096 });
    expect(
      events.map((e) => (e.kind === 'content' ? [e.channel, e.body.length, e.body[0]] : e.kind)),
    ).toEqual([
      [2, 5000, 2],
      [1, 30, 1],
    ]);
  });

  it('applies a frameMax changed between chunks (after tune-ok)', () => {
    const { parser, events } = recorder({ frameMax: 131072 });
    parser.push(encodeBasicPublish(1, '', 'q', false, {}, Buffer.alloc(9000), 131072));
    parser.frameMax = 8192;
    parser.push(encodeBasicPublish(1, '', 'q', false, {}, Buffer.alloc(9000), 131072));
    expect(events.map((e) => e.kind)).toEqual(['content', 'error']);
    const e = events[1]!;
    expect(e.kind === 'error' && e.error.replyCode).toBe(501);
  });
});

describe('FrameParser: handler exceptions', () => {
  it('finishes the chunk, then rethrows the first handler error', () => {
    const seen: string[] = [];
    const p = new FrameParser({
      onMethod: (_c, m) => {
        seen.push(m.name);
        if (m.name === 'basic.ack') throw new Error('handler bug');
      },
      onContent() {},
      onHeartbeat: () => seen.push('heartbeat'),
      onFrameError: (e) => seen.push(`error ${e.message}`),
    });
    const wire = Buffer.concat([
      encodeMethodFrame(1, 'basic.ack', {}),
      HEARTBEAT_FRAME,
      encodeMethodFrame(1, 'basic.qos-ok', {}),
    ]);
    expect(() => p.push(wire)).toThrow('handler bug');
    expect(seen).toEqual(['basic.ack', 'heartbeat', 'basic.qos-ok']);
    expect(p.failed).toBe(false);
    p.push(HEARTBEAT_FRAME);
    expect(seen).toEqual(['basic.ack', 'heartbeat', 'basic.qos-ok', 'heartbeat']);
  });
});
