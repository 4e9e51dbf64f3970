/**
 * Outbound frames: method frames, content (method + header + body frames in one buffer), heartbeats
 * and the protocol header. Sizes are computed exactly first and each call allocates once; anything
 * that cannot be encoded throws {@link EncodeError} before a buffer is returned, so a caller never
 * holds half a message.
 */
import { EncodeError } from '../errors.js';
import { checkShort, shortStrLength, writeShortStr, writeU16, writeU32, writeU64 } from './primitives.js';
import { propertiesSize, writeProperties } from './properties.js';
import type { BasicProperties } from './properties.js';
import { METHOD_ENCODERS, METHOD_ID_BY_NAME, METHOD_INFO } from './spec.generated.js';
import type { EncodeArgs, MethodName } from './spec.generated.js';

/** `AMQP 0 0 9 1`: the first bytes a client sends. */
export const PROTOCOL_HEADER: Buffer = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

/** A heartbeat frame (type 8, channel 0, empty payload). */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]);

const MAX_FRAME = 0xffffffff;
const BASIC_PUBLISH = 0x003c0028;

function checkChannel(channel: number): void {
  checkShort(channel, 'channel');
}

/** frame_max 0 means "no limit" in the spec; below 9 no body byte would fit a frame. */
function effectiveFrameMax(frameMax: number): number {
  if (frameMax === 0) return MAX_FRAME;
  if (!Number.isInteger(frameMax) || frameMax < 9 || frameMax > MAX_FRAME) {
    throw new EncodeError(`frameMax ${frameMax} is not a usable frame size (9..2^32-1, or 0 for no limit)`);
  }
  return frameMax;
}

/**
 * Encodes one method frame. Missing arguments take the spec's default value, else 0 / false / '' / {}.
 * @throws EncodeError when an argument cannot be encoded (short string over 255 bytes, integer out of range ...).
 */
export function encodeMethodFrame<N extends MethodName>(
  channel: number,
  name: N,
  args: EncodeArgs<N>,
): Buffer {
  checkChannel(channel);
  const encode = METHOD_ENCODERS[name] as ((channel: number, args: EncodeArgs<N>) => Buffer) | undefined;
  if (encode === undefined) throw new EncodeError(`unknown method "${String(name)}"`, 503);
  return encode(channel, args);
}

/** Number of body frames a body of `size` bytes takes at `frameMax`. */
function bodyFrameCount(size: number, chunk: number): number {
  return size === 0 ? 0 : Math.ceil(size / chunk);
}

/** Writes a header frame at `o` (its size `headerSize` measured by the caller with propertiesSize). */
function writeHeaderFrame(
  buf: Buffer,
  o: number,
  channel: number,
  classId: number,
  bodySize: number,
  propsSize: number,
  properties: BasicProperties | undefined,
): number {
  buf[o] = 2;
  writeU16(buf, o + 1, channel);
  writeU32(buf, o + 3, 12 + propsSize);
  writeU16(buf, o + 7, classId);
  buf[o + 9] = 0;
  buf[o + 10] = 0;
  writeU64(buf, o + 11, bodySize);
  o = writeProperties(buf, o + 19, properties);
  buf[o] = 0xce;
  return o + 1;
}

/** Writes body frames of at most `chunk` payload bytes each. */
function writeBodyFrames(buf: Buffer, o: number, channel: number, body: Uint8Array, chunk: number): number {
  const size = body.length;
  for (let at = 0; at < size; at += chunk) {
    const n = Math.min(chunk, size - at);
    buf[o] = 3;
    writeU16(buf, o + 1, channel);
    writeU32(buf, o + 3, n);
    buf.set(at === 0 && n === size ? body : body.subarray(at, at + n), o + 7);
    o += 7 + n;
    buf[o++] = 0xce;
  }
  return o;
}

/** Header frame size check shared by both content encoders. */
function headerFrameSize(propsSize: number, frameMax: number): number {
  const size = 20 + propsSize;
  if (size > frameMax) {
    throw new EncodeError(`content header frame of ${size} bytes exceeds frame_max ${frameMax}`, 501);
  }
  return size;
}

function checkBody(body: Uint8Array): void {
  if (!(body instanceof Uint8Array)) throw new EncodeError(`body must be a Buffer, got ${typeof body}`);
}

/**
 * Encodes a content-carrying method (basic.publish, basic.return ...) with its header and body
 * frames into ONE buffer. Bodies over frame_max are split at `frameMax - 8` bytes per frame.
 * @throws EncodeError when the method carries no content or anything cannot be encoded.
 */
export function encodeContentFrames<N extends MethodName>(
  channel: number,
  name: N,
  args: EncodeArgs<N>,
  properties: BasicProperties | undefined,
  body: Buffer,
  frameMax: number,
): Buffer {
  const max = effectiveFrameMax(frameMax);
  const id = METHOD_ID_BY_NAME[name];
  const info = id === undefined ? undefined : METHOD_INFO[id];
  if (info === undefined) throw new EncodeError(`unknown method "${String(name)}"`, 503);
  if (!info.hasContent) throw new EncodeError(`${name} does not carry content`, 503);
  checkBody(body);
  const method = encodeMethodFrame(channel, name, args);
  if (method.length > max)
    throw new EncodeError(`${name} frame of ${method.length} bytes exceeds frame_max ${max}`, 501);
  const propsSize = propertiesSize(properties);
  const headerSize = headerFrameSize(propsSize, max);
  const chunk = max - 8;
  const total = method.length + headerSize + body.length + 8 * bodyFrameCount(body.length, chunk);
  const buf = Buffer.allocUnsafe(total);
  method.copy(buf, 0);
  const o = writeHeaderFrame(buf, method.length, channel, info.classId, body.length, propsSize, properties);
  writeBodyFrames(buf, o, channel, body, chunk);
  return buf;
}

/*
 * Sizes of the publish being encoded, set by measurePublish for the writePublishHead that follows
 * (module scratch, as in properties.ts, so the hot path allocates nothing for them).
 */
let pubExLen = 0;
let pubRkLen = 0;
let pubMethodSize = 0;
let pubPropsSize = 0;
let pubHeaderSize = 0;
let pubChunk = 0;

/** Validates and sizes a basic.publish (method and header frames) against frame_max. */
function measurePublish(
  exchange: string,
  routingKey: string,
  properties: BasicProperties | undefined,
  frameMax: number,
): void {
  const max = effectiveFrameMax(frameMax);
  pubExLen = shortStrLength(exchange, 'basic.publish exchange');
  pubRkLen = shortStrLength(routingKey, 'basic.publish routingKey');
  pubMethodSize = 17 + pubExLen + pubRkLen;
  if (pubMethodSize > max)
    throw new EncodeError(`basic.publish frame of ${pubMethodSize} bytes exceeds frame_max ${max}`, 501);
  pubPropsSize = propertiesSize(properties);
  pubHeaderSize = headerFrameSize(pubPropsSize, max);
  pubChunk = max - 8;
}

/** Writes the method and header frames measured by {@link measurePublish}; returns the offset after them. */
function writePublishHead(
  buf: Buffer,
  channel: number,
  exchange: string,
  routingKey: string,
  mandatory: boolean,
  properties: BasicProperties | undefined,
  bodySize: number,
): number {
  buf[0] = 1;
  writeU16(buf, 1, channel);
  writeU32(buf, 3, pubMethodSize - 8);
  writeU32(buf, 7, BASIC_PUBLISH);
  buf[11] = 0;
  buf[12] = 0;
  let o = writeShortStr(buf, 13, exchange, pubExLen);
  o = writeShortStr(buf, o, routingKey, pubRkLen);
  buf[o++] = mandatory ? 1 : 0;
  buf[o++] = 0xce;
  return writeHeaderFrame(buf, o, channel, 60, bodySize, pubPropsSize, properties);
}

/**
 * The publish hot path: basic.publish + header + body frames, sized exactly and written into one
 * allocation, `immediate` always false (RabbitMQ refuses it).
 * @throws EncodeError when a name or property cannot be encoded or the header exceeds frame_max.
 */
export function encodeBasicPublish(
  channel: number,
  exchange: string,
  routingKey: string,
  mandatory: boolean,
  properties: BasicProperties | undefined,
  body: Buffer,
  frameMax: number,
): Buffer {
  checkChannel(channel);
  checkBody(body);
  measurePublish(exchange, routingKey, properties, frameMax);
  const size = body.length;
  const chunk = pubChunk;
  const buf = Buffer.allocUnsafe(pubMethodSize + pubHeaderSize + size + 8 * bodyFrameCount(size, chunk));
  const o = writePublishHead(buf, channel, exchange, routingKey, mandatory, properties, size);
  writeBodyFrames(buf, o, channel, body, chunk);
  return buf;
}

/** Bodies up to this size are copied into one buffer: below it one write beats several. */
export const VECTORED_COPY_THRESHOLD = 4096;
const END_OCTET = Buffer.from([0xce]);

/**
 * The large-message publish path: the same bytes as {@link encodeBasicPublish}, as a list of
 * buffers for `socket.cork()` + writes (or `writev`) in which the body is never copied: each body
 * frame is a small frame header buffer followed by a subarray of `body`. At or below
 * {@link VECTORED_COPY_THRESHOLD} body bytes it returns the single buffer of `encodeBasicPublish`.
 * The caller must not modify `body` until the buffers are written.
 * @throws EncodeError as {@link encodeBasicPublish} does.
 */
export function encodeBasicPublishVectored(
  channel: number,
  exchange: string,
  routingKey: string,
  mandatory: boolean,
  properties: BasicProperties | undefined,
  body: Buffer,
  frameMax: number,
): Buffer[] {
  if (!(body instanceof Uint8Array) || body.length <= VECTORED_COPY_THRESHOLD) {
    return [encodeBasicPublish(channel, exchange, routingKey, mandatory, properties, body, frameMax)];
  }
  checkChannel(channel);
  measurePublish(exchange, routingKey, properties, frameMax);
  const size = body.length;
  const chunk = pubChunk;
  // method frame + header frame + the first body frame's 7-byte header in one buffer
  const head = Buffer.allocUnsafe(pubMethodSize + pubHeaderSize + 7);
  const o = writePublishHead(head, channel, exchange, routingKey, mandatory, properties, size);
  const first = Math.min(chunk, size);
  head[o] = 3;
  writeU16(head, o + 1, channel);
  writeU32(head, o + 3, first);
  if (first === size) return [head, body, END_OCTET];
  const out: Buffer[] = [head, body.subarray(0, first)];
  for (let at = first; at < size; at += chunk) {
    const n = Math.min(chunk, size - at);
    // end octet of the previous frame + header of this one
    const sep = Buffer.allocUnsafe(8);
    sep[0] = 0xce;
    sep[1] = 3;
    writeU16(sep, 2, channel);
    writeU32(sep, 4, n);
    out.push(sep, body.subarray(at, at + n));
  }
  out.push(END_OCTET);
  return out;
}
