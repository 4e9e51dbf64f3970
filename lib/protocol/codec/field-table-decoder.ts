/**
 * Field-table decoding. Every length is checked against the payload end and nesting is capped, so
 * hostile input yields a {@link FrameError} 502 and never a RangeError or a stack overflow. 64-bit
 * integers are numbers when safe and bigints otherwise; a `__proto__` key stays plain data.
 */
import { FrameError } from '../errors.js';
import { Decimal, MAX_TABLE_DEPTH } from './field-value.js';
import type { FieldTable, FieldValue } from './field-value.js';
import { cursor, readStr, readU16, readU32, truncated } from './primitives.js';

const TWO_32 = 4294967296;
/** One scratch for float reinterpretation: no DataView per value. */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readFloat(buf: Buffer, o: number, bytes: Uint8Array, n: number): void {
  if (LITTLE_ENDIAN) for (let i = 0; i < n; i++) bytes[n - 1 - i] = buf[o + i] as number;
  else for (let i = 0; i < n; i++) bytes[i] = buf[o + i] as number;
}

function readI64(buf: Buffer, o: number): number | bigint {
  const hi = readU32(buf, o) | 0;
  const lo = readU32(buf, o + 4);
  // safe when the value is within ±2^53: hi in [-2^21, 2^21)
  if (hi >= -0x200000 && hi < 0x200000) return hi * TWO_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Fixed value sizes by tag byte (0 = variable or unknown). */
const FIXED: Record<number, number> = {
  0x62: 1, // b
  0x42: 1, // B
  0x73: 2, // s
  0x75: 2, // u
  0x49: 4, // I
  0x69: 4, // i
  0x6c: 8, // l
  0x4c: 8, // L
  0x66: 4, // f
  0x64: 8, // d
  0x74: 1, // t
  0x54: 8, // T
  0x44: 5, // D
};

/** Reads one tagged value at `o`; leaves its end in `cursor.pos`. */
function readValue(buf: Buffer, o: number, end: number, depth: number): FieldValue {
  if (o >= end) truncated('field value tag', o);
  const tag = buf[o++] as number;
  const fixed = FIXED[tag];
  if (fixed !== undefined && o + fixed > end) truncated(`field value '${String.fromCharCode(tag)}'`, o);
  switch (tag) {
    case 0x53: // S
    case 0x78: {
      // x
      if (o + 4 > end) truncated('field value length', o);
      const n = readU32(buf, o);
      const s = o + 4;
      if (s + n > end) truncated(`field value '${String.fromCharCode(tag)}' of ${n} bytes`, o);
      cursor.pos = s + n;
      return tag === 0x53 ? readStr(buf, s, s + n) : Buffer.from(buf.subarray(s, s + n));
    }
    case 0x74: // t
      cursor.pos = o + 1;
      return buf[o] !== 0;
    case 0x62: // b
      cursor.pos = o + 1;
      return ((buf[o] as number) << 24) >> 24;
    case 0x42: // B
      cursor.pos = o + 1;
      return buf[o] as number;
    case 0x73: // s
      cursor.pos = o + 2;
      return (readU16(buf, o) << 16) >> 16;
    case 0x75: // u
      cursor.pos = o + 2;
      return readU16(buf, o);
    case 0x49: // I
      cursor.pos = o + 4;
      return readU32(buf, o) | 0;
    case 0x69: // i
      cursor.pos = o + 4;
      return readU32(buf, o);
    case 0x6c: // l
    case 0x4c: // L
      cursor.pos = o + 8;
      return readI64(buf, o);
    case 0x66: // f
      cursor.pos = o + 4;
      readFloat(buf, o, f32b, 4);
      return f32[0] as number;
    case 0x64: // d
      cursor.pos = o + 8;
      readFloat(buf, o, f64b, 8);
      return f64[0] as number;
    case 0x54: {
      // T: unsigned seconds since the epoch
      cursor.pos = o + 8;
      const hi = readU32(buf, o);
      if (hi > 0x1fffff) throw new FrameError('timestamp above 2^53-1 seconds', 502, { offset: o });
      return new Date((hi * TWO_32 + readU32(buf, o + 4)) * 1000);
    }
    case 0x44: // D
      cursor.pos = o + 5;
      return new Decimal(buf[o] as number, readU32(buf, o + 1));
    case 0x56: // V
      cursor.pos = o;
      return null;
    case 0x41: // A
      return readArray(buf, o, end, depth + 1);
    case 0x46: // F
      return readTable(buf, o, end, depth + 1);
    default:
      throw new FrameError(`invalid field table tag 0x${tag.toString(16).padStart(2, '0')}`, 502, {
        offset: o - 1,
      });
  }
}

function readArray(buf: Buffer, o: number, end: number, depth: number): FieldValue[] {
  if (depth > MAX_TABLE_DEPTH)
    throw new FrameError(`field array nested deeper than ${MAX_TABLE_DEPTH}`, 502, { offset: o });
  if (o + 4 > end) truncated('field array length', o);
  const stop = o + 4 + readU32(buf, o);
  if (stop > end) truncated('field array', o);
  const out: FieldValue[] = [];
  o += 4;
  while (o < stop) {
    out.push(readValue(buf, o, stop, depth));
    o = cursor.pos;
  }
  cursor.pos = stop;
  return out;
}

function readTable(buf: Buffer, o: number, end: number, depth: number): FieldTable {
  if (depth > MAX_TABLE_DEPTH)
    throw new FrameError(`field table nested deeper than ${MAX_TABLE_DEPTH}`, 502, { offset: o });
  if (o + 4 > end) truncated('field table length', o);
  const stop = o + 4 + readU32(buf, o);
  if (stop > end) truncated('field table', o);
  const out: FieldTable = {};
  o += 4;
  while (o < stop) {
    const n = buf[o] as number;
    const ks = o + 1;
    if (ks + n > stop) truncated('field table key', o);
    const key = readStr(buf, ks, ks + n);
    const value = readValue(buf, ks + n, stop, depth);
    // a "__proto__" key must stay data, not replace the object's prototype
    if (key === '__proto__')
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
    o = cursor.pos;
  }
  cursor.pos = stop;
  return out;
}

/**
 * Decodes a field table at `o` (32-bit length prefix included), bounded by `end`; leaves its end
 * in `cursor.pos`. Throws {@link FrameError} 502 on a short read, bad tag or excessive nesting.
 * @internal
 */
export function decodeFieldTable(buf: Buffer, o: number, end: number): FieldTable {
  return readTable(buf, o, end, 0);
}
