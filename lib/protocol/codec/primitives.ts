/**
 * Wire primitives shared by the generated method codecs, field tables and properties: integer range
 * checks, short/long strings and 64-bit integers. Everything here sits on the hot path, so reads and
 * writes are plain byte arithmetic (no DataView, no closures), and a string is measured or copied
 * in JS only while that beats the fixed cost of a native `Buffer` call (a few bytes).
 *
 * Decoders are given an `end` bound (the end of the frame payload) and never read at or past it
 * without checking first: a short read is a {@link FrameError} 502 naming the field, never a
 * `RangeError` and never a silent `undefined`.
 */
import { EncodeError, FrameError } from '../errors.js';

/** Node's internal string fast paths, present on every Buffer but absent from its type declarations. */
interface FastBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  utf8Write(value: string, offset: number, length?: number): number;
  latin1Write(value: string, offset: number, length?: number): number;
}

/** 2^32, for splitting 64-bit integers into two 32-bit halves. */
const TWO_32 = 4294967296;

/**
 * Where the last variable-length decoder stopped. Decoders that cannot return their end offset
 * beside their value (field tables) leave it here; the caller reads it right after the call.
 * @internal
 */
export const cursor = { pos: 0 };

/** Throws the 502 a short read deserves. @internal */
export function truncated(what: string, offset: number): never {
  throw new FrameError(`truncated ${what}`, 502, { offset });
}

// ---------------------------------------------------------------- integers (encode-side checks)

/** @internal */
export function checkOctet(v: number, what: string): number {
  if ((v & 0xff) !== v) throw new EncodeError(`${what}: ${String(v)} is not an octet (0..255)`);
  return v;
}

/** @internal */
export function checkShort(v: number, what: string): number {
  if ((v & 0xffff) !== v) throw new EncodeError(`${what}: ${String(v)} is not a short (0..65535)`);
  return v;
}

/** @internal */
export function checkLong(v: number, what: string): number {
  if (v >>> 0 !== v) throw new EncodeError(`${what}: ${String(v)} is not a long (0..4294967295)`);
  return v;
}

/** A 64-bit unsigned field carried as a JS number: only safe integers, so nothing is rounded. @internal */
export function checkLongLong(v: number, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new EncodeError(`${what}: ${String(v)} is not an unsigned integer within 0..2^53-1`);
  }
  return v;
}

/** @internal */
export function checkBit(v: boolean, what: string): boolean {
  if (typeof v !== 'boolean') throw new EncodeError(`${what}: ${String(v)} is not a boolean`);
  return v;
}

// ---------------------------------------------------------------- integers (raw read/write)

/** @internal */
export function writeU16(buf: Buffer, o: number, v: number): number {
  buf[o] = v >>> 8;
  buf[o + 1] = v & 0xff;
  return o + 2;
}

/** @internal */
export function writeU32(buf: Buffer, o: number, v: number): number {
  buf[o] = v >>> 24;
  buf[o + 1] = (v >>> 16) & 0xff;
  buf[o + 2] = (v >>> 8) & 0xff;
  buf[o + 3] = v & 0xff;
  return o + 4;
}

/** Writes a non-negative safe integer as an unsigned 64-bit big-endian value. @internal */
export function writeU64(buf: Buffer, o: number, v: number): number {
  writeU32(buf, o, Math.floor(v / TWO_32));
  return writeU32(buf, o + 4, v >>> 0);
}

/** Caller has checked `o + 2 <= end`. @internal */
export function readU16(buf: Buffer, o: number): number {
  return ((buf[o] as number) << 8) | (buf[o + 1] as number);
}

/** Caller has checked `o + 4 <= end`. @internal */
export function readU32(buf: Buffer, o: number): number {
  return (
    (buf[o] as number) * 0x1000000 +
    (((buf[o + 1] as number) << 16) | ((buf[o + 2] as number) << 8) | (buf[o + 3] as number))
  );
}

/**
 * Reads an unsigned 64-bit value as a number; a value above 2^53-1 is a FrameError (502) rather
 * than a silently rounded delivery tag. Caller has checked `o + 8 <= end`. @internal
 */
export function readU64(buf: Buffer, o: number, what: string): number {
  const hi = readU32(buf, o);
  if (hi > 0x1fffff) {
    throw new FrameError(
      `${what}: 64-bit value above 2^53-1 cannot be represented without precision loss`,
      502,
      {
        offset: o,
      },
    );
  }
  return hi * TWO_32 + readU32(buf, o + 4);
}

// ---------------------------------------------------------------- strings

/**
 * Strings up to this many characters are measured in JS; longer ones natively. A JS char loop costs
 * ~2-5 ns a character against ~20-40 ns for the whole native call, so the native one wins from about
 * a dozen characters (correlation ids, content types and queue names are longer).
 */
const JS_MEASURE_MAX = 10;

/** ASCII strings below this many characters are copied in JS; longer ones by `latin1Write`. */
const JS_WRITE_MAX = 32;

/** UTF-8 byte length of `s`. @internal */
export function utf8Length(s: string): number {
  const n = s.length;
  if (n > JS_MEASURE_MAX) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  }
  return n;
}

/** Byte length of a short string, or an EncodeError when it is not a string or exceeds 255 bytes. @internal */
export function shortStrLength(s: string, what: string): number {
  if (typeof s !== 'string') throw new EncodeError(`${what}: expected a string, got ${typeof s}`);
  if (s.length > 255)
    throw new EncodeError(`${what}: short string of ${s.length} characters exceeds 255 bytes`);
  const n = utf8Length(s);
  if (n > 255) throw new EncodeError(`${what}: short string of ${n} bytes exceeds 255 bytes`);
  return n;
}

/** Byte length of a long string given as a string or raw bytes. @internal */
export function longStrLength(s: string | Uint8Array, what: string): number {
  if (typeof s === 'string') return utf8Length(s);
  if (s instanceof Uint8Array) return s.length;
  throw new EncodeError(`${what}: expected a string or Buffer, got ${typeof s}`);
}

/** Writes `len` bytes of `s` (its UTF-8 length, as measured before) at `o`. @internal */
export function writeStr(buf: Buffer, o: number, s: string, len: number): number {
  if (len === s.length) {
    // ASCII (byte length equals UTF-16 length only when every char is < 0x80): one byte a char
    if (len < JS_WRITE_MAX) {
      for (let i = 0; i < len; i++) buf[o + i] = s.charCodeAt(i);
    } else {
      (buf as FastBuffer).latin1Write(s, o, len);
    }
    return o + len;
  }
  (buf as FastBuffer).utf8Write(s, o, len);
  return o + len;
}

/** Writes a short string: length octet then bytes. `len` comes from {@link shortStrLength}. @internal */
export function writeShortStr(buf: Buffer, o: number, s: string, len: number): number {
  buf[o] = len;
  return writeStr(buf, o + 1, s, len);
}

/** Writes a long string (string or bytes): 32-bit length then bytes. @internal */
export function writeLongStr(buf: Buffer, o: number, s: string | Uint8Array, len: number): number {
  o = writeU32(buf, o, len);
  if (typeof s === 'string') return writeStr(buf, o, s, len);
  buf.set(s, o);
  return o + len;
}

/**
 * Decodes UTF-8 bytes `[start, end)`. Node's `utf8Slice` (simdutf) measured fastest even for short
 * ASCII (bench/support/str-decode.ts: ~46 ns against ~92 ns for a JS byte loop), and it skips the
 * argument checks of `toString`. Invalid UTF-8 becomes U+FFFD.
 * @internal
 */
export function readStr(buf: Buffer, start: number, end: number): string {
  return start === end ? '' : (buf as FastBuffer).utf8Slice(start, end);
}

/** Reads a short string at `o` (length octet included), leaving its end in {@link cursor}. @internal */
export function readShortStr(buf: Buffer, o: number, end: number, what: string): string {
  if (o >= end) truncated(what, o);
  const n = buf[o] as number;
  const s = o + 1;
  if (s + n > end) truncated(what, o);
  cursor.pos = s + n;
  return readStr(buf, s, s + n);
}

/** Reads a long string at `o` (32-bit length included), leaving its end in {@link cursor}. @internal */
export function readLongStr(buf: Buffer, o: number, end: number, what: string): string {
  if (o + 4 > end) truncated(what, o);
  const n = readU32(buf, o);
  const s = o + 4;
  if (s + n > end) truncated(what, o);
  cursor.pos = s + n;
  return readStr(buf, s, s + n);
}
