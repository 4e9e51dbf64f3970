/**
 * Field-table encoding in two passes over the same value: exact size first (which also validates,
 * so a bad value is an {@link EncodeError} before any buffer exists), then one write into a buffer
 * the caller allocated once. Tags are inferred from JS types unless a {@link TypedValue} forces one.
 */
import { EncodeError } from '../errors.js';
import { Decimal, MAX_TABLE_DEPTH, TypedValue } from './field-value.js';
import type { FieldTable, FieldTag, FieldValue } from './field-value.js';
import { utf8Length, writeShortStr, writeStr, writeU16, writeU32 } from './primitives.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 4294967296;
/** One scratch for float reinterpretation: no DataView per value. */
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32b = new Uint8Array(f32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function bad(what: string, message: string): never {
  throw new EncodeError(`${what}: ${message}`);
}

// ---------------------------------------------------------------- encode: size pass (validates)

/** The tag a value is encoded with when no {@link TypedValue} forces one. @internal */
export function inferTag(v: FieldValue, what: string): FieldTag {
  switch (typeof v) {
    case 'string':
      return 'S';
    case 'boolean':
      return 't';
    case 'number':
      // -0 is an integer to JS but only a double keeps its sign.
      if (Number.isInteger(v) && !Object.is(v, -0)) {
        if (v >= -2147483648 && v <= 2147483647) return 'I';
        if (Number.isSafeInteger(v)) return 'l';
      }
      return 'd';
    case 'bigint':
      return 'l';
    case 'undefined':
      return 'V';
    case 'object':
      if (v === null) return 'V';
      if (v instanceof Uint8Array) return 'x';
      if (v instanceof Date) return 'T';
      if (Array.isArray(v)) return 'A';
      if (v instanceof Decimal) return 'D';
      if (v instanceof TypedValue) return v.tag;
      if (isPlainObject(v)) return 'F';
      return bad(
        what,
        `cannot encode an instance of ${v.constructor?.name ?? 'an unknown class'} in a field table`,
      );
    default:
      return bad(what, `cannot encode a ${typeof v} in a field table`);
  }
}

function intInRange(v: FieldValue, lo: number, hi: number, tag: string, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    bad(what, `${String(v)} does not fit tag '${tag}' (${lo}..${hi})`);
  }
}

function toInt64(v: FieldValue, what: string): bigint {
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) bad(what, `${v} does not fit a signed 64-bit integer`);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return bad(what, `${String(v)} is not a safe integer or bigint for a 64-bit tag`);
}

function timestampSeconds(v: FieldValue, what: string): number {
  const s = v instanceof Date ? Math.floor(v.getTime() / 1000) : v;
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
    bad(what, `${String(v)} is not a valid timestamp (a Date or whole seconds >= 0)`);
  }
  return s;
}

/** Bytes of the value after its tag octet; validates as it goes. */
function valueSize(tag: FieldTag, v: FieldValue, what: string, depth: number): number {
  switch (tag) {
    case 'S':
      if (typeof v === 'string') return 4 + utf8Length(v);
      if (v instanceof Uint8Array) return 4 + v.length;
      return bad(what, `tag 'S' needs a string, got ${typeof v}`);
    case 'x':
      if (v instanceof Uint8Array) return 4 + v.length;
      if (typeof v === 'string') return 4 + utf8Length(v);
      return bad(what, `tag 'x' needs a Buffer, got ${typeof v}`);
    case 't':
      if (typeof v !== 'boolean') bad(what, `tag 't' needs a boolean, got ${typeof v}`);
      return 1;
    case 'b':
      intInRange(v, -128, 127, tag, what);
      return 1;
    case 'B':
      intInRange(v, 0, 255, tag, what);
      return 1;
    case 's':
      intInRange(v, -32768, 32767, tag, what);
      return 2;
    case 'u':
      intInRange(v, 0, 65535, tag, what);
      return 2;
    case 'I':
      intInRange(v, -2147483648, 2147483647, tag, what);
      return 4;
    case 'i':
      intInRange(v, 0, 4294967295, tag, what);
      return 4;
    case 'l':
    case 'L':
      toInt64(v, what);
      return 8;
    case 'f':
    case 'd':
      if (typeof v !== 'number') bad(what, `tag '${tag}' needs a number, got ${typeof v}`);
      return tag === 'f' ? 4 : 8;
    case 'T':
      timestampSeconds(v, what);
      return 8;
    case 'D':
      if (!(v instanceof Decimal)) return bad(what, `tag 'D' needs a Decimal`);
      intInRange(v.scale, 0, 255, 'D scale', what);
      intInRange(v.value, 0, 4294967295, 'D value', what);
      return 5;
    case 'V':
      if (v !== null && v !== undefined) bad(what, `tag 'V' carries no value, got ${typeof v}`);
      return 0;
    case 'A':
      if (!Array.isArray(v)) return bad(what, `tag 'A' needs an array`);
      return 4 + arrayBodySize(v, what, depth + 1);
    case 'F':
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !isPlainObject(v)) {
        return bad(what, `tag 'F' needs a plain object`);
      }
      return 4 + tableBodySize(v as FieldTable, what, depth + 1);
    default:
      return bad(what, `unknown field tag '${String(tag)}'`);
  }
}

function taggedSize(v: FieldValue, what: string, depth: number): number {
  if (v instanceof TypedValue) return 1 + valueSize(v.tag, v.value, what, depth);
  return 1 + valueSize(inferTag(v, what), v, what, depth);
}

function arrayBodySize(a: FieldValue[], what: string, depth: number): number {
  if (depth > MAX_TABLE_DEPTH) bad(what, `nesting deeper than ${MAX_TABLE_DEPTH} levels (cyclic value?)`);
  let n = 0;
  for (let i = 0; i < a.length; i++) n += taggedSize(a[i], `${what}[${i}]`, depth);
  return n;
}

function tableBodySize(t: FieldTable, what: string, depth: number): number {
  if (depth > MAX_TABLE_DEPTH) bad(what, `nesting deeper than ${MAX_TABLE_DEPTH} levels (cyclic value?)`);
  let n = 0;
  for (const key in t) {
    if (!Object.prototype.hasOwnProperty.call(t, key)) continue;
    const k = utf8Length(key);
    if (k > 255) bad(what, `table key "${key.slice(0, 32)}..." exceeds 255 bytes`);
    n += 1 + k + taggedSize(t[key], `${what}.${key}`, depth);
  }
  return n;
}

/**
 * Encoded size of a table including its 32-bit length prefix; throws {@link EncodeError} on any
 * value that cannot be encoded. @internal
 */
export function fieldTableSize(t: FieldTable, what: string): number {
  if (typeof t !== 'object' || t === null || Array.isArray(t))
    bad(what, 'a field table must be a plain object');
  return 4 + tableBodySize(t, what, 0);
}

// ---------------------------------------------------------------- encode: write pass

function writeFloat(buf: Buffer, o: number, bytes: Uint8Array, n: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < n; i++) buf[o + i] = bytes[n - 1 - i] as number;
  else for (let i = 0; i < n; i++) buf[o + i] = bytes[i] as number;
  return o + n;
}

function writeI64(buf: Buffer, o: number, v: bigint): number {
  const u = BigInt.asUintN(64, v);
  writeU32(buf, o, Number(u >> 32n));
  return writeU32(buf, o + 4, Number(u & 0xffffffffn));
}

function writeBytes(buf: Buffer, o: number, v: string | Uint8Array): number {
  if (typeof v === 'string') {
    const len = utf8Length(v);
    return writeStr(buf, writeU32(buf, o, len), v, len);
  }
  buf.set(v, writeU32(buf, o, v.length));
  return o + 4 + v.length;
}

/** Writes tag + value; the value passed the size pass, so it is valid. */
function writeTagged(buf: Buffer, o: number, v: FieldValue): number {
  let tag: FieldTag;
  if (v instanceof TypedValue) {
    tag = v.tag;
    v = v.value;
  } else tag = inferTag(v, '');
  buf[o++] = tag.charCodeAt(0);
  switch (tag) {
    case 'S':
    case 'x':
      return writeBytes(buf, o, v as string | Uint8Array);
    case 't':
      buf[o] = v ? 1 : 0;
      return o + 1;
    case 'b':
    case 'B':
      buf[o] = (v as number) & 0xff;
      return o + 1;
    case 's':
    case 'u':
      return writeU16(buf, o, (v as number) & 0xffff);
    case 'I':
    case 'i':
      return writeU32(buf, o, (v as number) >>> 0);
    case 'l':
    case 'L':
      if (typeof v === 'number' && v >= 0) {
        writeU32(buf, o, Math.floor(v / TWO_32));
        return writeU32(buf, o + 4, v >>> 0);
      }
      return writeI64(buf, o, toInt64(v, ''));
    case 'f':
      f32[0] = v as number;
      return writeFloat(buf, o, f32b, 4);
    case 'd':
      f64[0] = v as number;
      return writeFloat(buf, o, f64b, 8);
    case 'T': {
      const s = timestampSeconds(v, '');
      writeU32(buf, o, Math.floor(s / TWO_32));
      return writeU32(buf, o + 4, s >>> 0);
    }
    case 'D': {
      const d = v as Decimal;
      buf[o] = d.scale;
      return writeU32(buf, o + 1, d.value);
    }
    case 'V':
      return o;
    case 'A': {
      const start = o;
      o += 4;
      const a = v as FieldValue[];
      for (let i = 0; i < a.length; i++) o = writeTagged(buf, o, a[i]);
      writeU32(buf, start, o - start - 4);
      return o;
    }
    default:
      return writeFieldTable(buf, o, v as FieldTable);
  }
}

/** Writes a table (32-bit length prefix included) sized by {@link fieldTableSize}. @internal */
export function writeFieldTable(buf: Buffer, o: number, t: FieldTable): number {
  const start = o;
  o += 4;
  for (const key in t) {
    if (!Object.prototype.hasOwnProperty.call(t, key)) continue;
    o = writeShortStr(buf, o, key, utf8Length(key));
    o = writeTagged(buf, o, t[key]);
  }
  writeU32(buf, start, o - start - 4);
  return o;
}

/** A standalone encoded table (length prefix included), e.g. for tests and tools. */
export function encodeFieldTable(t: FieldTable): Buffer {
  const buf = Buffer.allocUnsafe(fieldTableSize(t, 'table'));
  writeFieldTable(buf, 0, t);
  return buf;
}
