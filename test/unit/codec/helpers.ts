/**
 * Test helpers: byte builders that follow the spec's wire layout by hand (they never call the
 * codec, so golden vectors stay independent of the encoder) and a recording frame handler.
 */
import { FrameParser } from '../../../lib/protocol/codec/index.js';
import type {
  AnyMethod,
  BasicProperties,
  FrameHandler,
  FrameParserOptions,
} from '../../../lib/protocol/codec/index.js';
import type { FrameError } from '../../../lib/protocol/errors.js';

/** Bytes from a hex string; spaces and line breaks are ignored. */
export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}
export function ascii(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
export function u8(n: number): Buffer {
  return Buffer.from([n]);
}
export function u16(n: number): Buffer {
  return Buffer.from([n >>> 8, n & 0xff]);
}
export function u32(n: number): Buffer {
  return Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
/** shortstr: length octet + bytes */
export function sstr(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u8(b.length), b]);
}
/** longstr: 32-bit length + bytes */
export function lstr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([u32(b.length), b]);
}
/** A table body wrapped in its 32-bit length. */
export function table(...entries: Buffer[]): Buffer {
  const body = Buffer.concat(entries);
  return Buffer.concat([u32(body.length), body]);
}
/** One frame: type, channel, size, payload, 0xCE. */
export function frame(type: number, channel: number, ...payload: Buffer[]): Buffer {
  const p = Buffer.concat(payload);
  return Buffer.concat([u8(type), u16(channel), u32(p.length), p, u8(0xce)]);
}
/** A method frame payload starts with class id and method id. */
export function method(channel: number, classId: number, methodId: number, ...args: Buffer[]): Buffer {
  return frame(1, channel, u16(classId), u16(methodId), ...args);
}

/** Copies `b` into a larger ArrayBuffer so it has a non-zero byteOffset. */
export function offsetCopy(b: Buffer, lead = 13): Buffer {
  const big = Buffer.alloc(b.length + lead + 5, 0xee);
  b.copy(big, lead);
  return big.subarray(lead, lead + b.length);
}

export type ParsedEvent =
  | { kind: 'method'; channel: number; method: AnyMethod }
  | { kind: 'content'; channel: number; method: AnyMethod; properties: BasicProperties; body: Buffer }
  | { kind: 'heartbeat' }
  | { kind: 'error'; error: FrameError };

/** A parser whose handler records every event. */
export function recorder(options?: FrameParserOptions): { parser: FrameParser; events: ParsedEvent[] } {
  const events: ParsedEvent[] = [];
  const handler: FrameHandler = {
    onMethod: (channel, m) => events.push({ kind: 'method', channel, method: m }),
    onContent: (channel, m, properties, body) =>
      events.push({ kind: 'content', channel, method: m, properties, body }),
    onHeartbeat: () => events.push({ kind: 'heartbeat' }),
    onFrameError: (error) => events.push({ kind: 'error', error }),
  };
  return { parser: new FrameParser(handler, options), events };
}

/** Parses `bytes` in one push and returns the events. */
export function parse(bytes: Buffer, options?: FrameParserOptions): ParsedEvent[] {
  const { parser, events } = recorder(options);
  parser.push(bytes);
  return events;
}

/** Drops the keys whose value is undefined (decoded properties carry all 14 keys). */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A deterministic PRNG (mulberry32) for reproducible fuzzing. */
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
