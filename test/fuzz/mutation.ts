/**
 * Mutation fuzzing core shared by the unit test (a short run) and `npm run fuzz` (a long one):
 * valid frame streams, byte-level mutations, and a runner that classifies each outcome. The one
 * invariant, h11-style: whatever the bytes and however they are chunked, the parser either parses
 * them or reports one typed FrameError with a spec reply code; nothing else escapes `push`.
 */
import {
  FrameParser,
  HEARTBEAT_FRAME,
  Decimal,
  TypedValue,
  encodeBasicPublish,
  encodeContentFrames,
  encodeMethodFrame,
} from '../../lib/protocol/codec/index.js';
import type { FrameHandler } from '../../lib/protocol/codec/index.js';
import { FrameError } from '../../lib/protocol/errors.js';

/** A seeded PRNG (mulberry32): the same seed gives the same inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FUZZ_FRAME_MAX = 4096;

/** Valid streams covering every frame type, tables with every tag, content split over frames. */
export function buildCorpus(): Buffer[] {
  const table = {
    s: 'str',
    n: -5,
    big: 2 ** 40,
    f: 1.25,
    t: true,
    d: new Date(1700000000000),
    dec: new Decimal(2, 314),
    arr: [1, 'two', null, [3]],
    nested: { x: Buffer.from([1, 2, 3]), y: { z: 1n } },
    b: new TypedValue('b', -1),
    u: new TypedValue('u', 65535),
    fl: new TypedValue('f', 0.5),
    v: null,
  };
  const props = {
    contentType: 'application/json',
    headers: table,
    deliveryMode: 2,
    priority: 0,
    correlationId: 'c',
    timestamp: 1,
  };
  return [
    encodeMethodFrame(0, 'connection.start', {
      serverProperties: table,
      mechanisms: 'PLAIN',
      locales: 'en_US',
    }),
    encodeMethodFrame(0, 'connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 60 }),
    encodeMethodFrame(0, 'connection.close', {
      replyCode: 320,
      replyText: 'CONNECTION_FORCED',
      classId: 0,
      methodId: 0,
    }),
    encodeMethodFrame(1, 'queue.declare-ok', { queue: 'amq.gen-xyz', messageCount: 3, consumerCount: 1 }),
    encodeMethodFrame(1, 'basic.consume', { queue: 'q', consumerTag: 'c1', arguments: table }),
    Buffer.concat([
      encodeMethodFrame(1, 'basic.ack', { deliveryTag: 2 ** 33, multiple: true }),
      HEARTBEAT_FRAME,
    ]),
    encodeContentFrames(
      1,
      'basic.deliver',
      { consumerTag: 'ctag', deliveryTag: 7, exchange: 'ex', routingKey: 'rk' },
      props,
      Buffer.alloc(40, 0x61),
      FUZZ_FRAME_MAX,
    ),
    encodeContentFrames(
      2,
      'basic.return',
      { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'rk' },
      {},
      Buffer.alloc(9000, 0x62),
      FUZZ_FRAME_MAX,
    ),
    Buffer.concat([
      encodeBasicPublish(3, 'ex', 'rk', true, { messageId: 'm' }, Buffer.alloc(0), FUZZ_FRAME_MAX),
      encodeContentFrames(
        3,
        'basic.get-ok',
        { deliveryTag: 1, exchange: '', routingKey: 'q', messageCount: 0 },
        props,
        Buffer.alloc(5000, 0x63),
        FUZZ_FRAME_MAX,
      ),
      encodeMethodFrame(3, 'channel.close', {
        replyCode: 404,
        replyText: 'NOT_FOUND',
        classId: 50,
        methodId: 10,
      }),
    ]),
  ];
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xce, 0x41, 0x02, 0x03, 0x08, 0x46, 0x41, 0x53, 0x78];

/**
 * Mutates the payload of one frame of a valid stream and fixes up that frame's size, so the frame
 * layer accepts it and the method, header and table decoders take the hit.
 */
function mutatePayload(rnd: () => number, input: Buffer): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const frames: Buffer[] = [];
  for (let o = 0; o + 8 <= input.length;) {
    const size = input.readUInt32BE(o + 3);
    frames.push(input.subarray(o, o + size + 8));
    o += size + 8;
  }
  const k = pick(frames.length);
  const f = frames[k] as Buffer;
  let payload = Buffer.from(f.subarray(7, f.length - 1));
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(1, payload.length));
    switch (pick(5)) {
      case 0:
        if (payload.length > 0) payload[at] = (payload[at] as number) ^ (1 << pick(8));
        break;
      case 1:
        if (payload.length > 0) payload[at] = INTERESTING[pick(INTERESTING.length)] as number;
        break;
      case 2:
        payload = payload.subarray(0, at);
        break;
      case 3:
        payload = Buffer.concat([
          payload.subarray(0, at),
          Buffer.from([pick(256), pick(256)]),
          payload.subarray(at),
        ]);
        break;
      default:
        payload = Buffer.concat([
          payload.subarray(0, at),
          payload.subarray(Math.min(payload.length, at + 1 + pick(4))),
        ]);
    }
  }
  const head = Buffer.from(f.subarray(0, 7));
  head.writeUInt32BE(payload.length, 3);
  frames[k] = Buffer.concat([head, payload, Buffer.from([0xce])]);
  return Buffer.concat(frames);
}

/**
 * One random mutation of `input`: half the time inside one frame's payload (size fixed up), else
 * raw bytes anywhere: bit flips, byte sets, truncation, insertion, deletion, duplication.
 */
export function mutate(rnd: () => number, input: Buffer): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  if (rnd() < 0.5) return mutatePayload(rnd, input);
  let b = Buffer.from(input);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(1, b.length));
    switch (pick(8)) {
      case 0: // flip one bit
        if (b.length > 0) b[at] = (b[at] as number) ^ (1 << pick(8));
        break;
      case 1: // an interesting byte
        if (b.length > 0) b[at] = INTERESTING[pick(INTERESTING.length)] as number;
        break;
      case 2: // a random byte
        if (b.length > 0) b[at] = pick(256);
        break;
      case 3: // truncate
        b = b.subarray(0, at);
        break;
      case 4: {
        // insert random bytes
        const ins = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
        b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 5: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(8)))]);
        break;
      case 6: {
        // a 16/32-bit field set to an extreme (sizes, lengths, counts)
        const v = [0, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xffff][pick(6)] as number;
        if (at + 4 <= b.length) b.writeUInt32BE(v >>> 0, at);
        break;
      }
      default: {
        // duplicate a run (repeated frames, repeated headers)
        const len = 1 + pick(40);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
      }
    }
  }
  return b;
}

/** Counts of what the parser did with the fuzzed inputs. */
export interface FuzzStats {
  inputs: number;
  /** Inputs that parsed without any error. */
  parsedClean: number;
  /** Frame errors by reply code. */
  frameErrors: Record<number, number>;
  /** Exceptions thrown out of push, internal failures or malformed error reports: must stay 0. */
  untyped: number;
  events: number;
  firstUntyped: string | undefined;
}

export function newStats(): FuzzStats {
  return { inputs: 0, parsedClean: 0, frameErrors: {}, untyped: 0, events: 0, firstUntyped: undefined };
}

const VALID_CODES = new Set([501, 502, 503, 505]);

/**
 * Feeds `input` to a fresh parser, whole or in random chunks, and records the outcome in `stats`.
 * Half the runs give the handler `onOversizeContent` (an oversize body streams past instead of
 * failing the stream); `withOversize` forces one or the other.
 */
export function runOne(rnd: () => number, input: Buffer, stats: FuzzStats, withOversize = rnd() < 0.5): void {
  stats.inputs++;
  let errors = 0;
  let bad: string | undefined;
  const handler: FrameHandler = {
    onMethod: (_c, m) => {
      stats.events++;
      if (typeof m.name !== 'string') bad = 'method without a name';
    },
    onContent: (_c, m, p, body) => {
      stats.events++;
      if (typeof m.name !== 'string' || typeof p !== 'object' || !Buffer.isBuffer(body))
        bad = 'malformed content event';
    },
    onHeartbeat: () => {
      stats.events++;
    },
    onFrameError: (e) => {
      errors++;
      if (!(e instanceof FrameError)) bad = `onFrameError with ${String(e)}`;
      else if (e.code === 'ERR_AMQP_FRAME_INTERNAL') bad = e.message;
      else if (!VALID_CODES.has(e.replyCode)) bad = `reply code ${e.replyCode}: ${e.message}`;
      else stats.frameErrors[e.replyCode] = (stats.frameErrors[e.replyCode] ?? 0) + 1;
    },
  };
  if (withOversize) {
    handler.onOversizeContent = (_c, m, p, error) => {
      stats.events++;
      if (typeof m.name !== 'string' || typeof p !== 'object' || !(error instanceof FrameError))
        bad = 'malformed oversize event';
    };
  }
  const parser = new FrameParser(handler, { frameMax: FUZZ_FRAME_MAX, maxBodySize: withOversize ? 4000 : 1 << 20 });
  try {
    if (rnd() < 0.5) parser.push(input);
    else {
      for (let at = 0; at < input.length;) {
        const n = 1 + Math.floor(rnd() * 300);
        parser.push(input.subarray(at, at + n));
        at += n;
      }
    }
  } catch (err) {
    bad = `push threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  if (errors > 1) bad = `${errors} frame errors reported for one stream`;
  if (bad !== undefined) {
    stats.untyped++;
    stats.firstUntyped ??= `${bad} (input ${input.toString('hex').slice(0, 400)})`;
  } else if (errors === 0) stats.parsedClean++;
}
