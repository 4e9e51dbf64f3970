/**
 * The basic class content properties (the 14 fields of a content header after the body size) and
 * their flag word. A property is present iff it is `!== undefined`: `priority: 0` and
 * `contentType: ''` are sent, never dropped by a truthiness test.
 *
 * Encoding is split in a size pass ({@link propertiesSize}) and a write pass ({@link writeProperties})
 * that must follow it directly: the size pass leaves the flag word and string lengths in module
 * scratch so the write pass measures nothing twice (the codec is synchronous, so nothing interleaves).
 */
import { FrameError } from '../errors.js';
import { decodeFieldTable, fieldTableSize, writeFieldTable } from './field-table.js';
import type { FieldTable } from './field-table.js';
import {
  checkLongLong,
  checkOctet,
  cursor,
  readShortStr,
  readU16,
  readU64,
  shortStrLength,
  truncated,
  writeShortStr,
  writeU16,
  writeU64,
} from './primitives.js';

/** Content properties of the basic class, in the spec's order. All optional. */
export interface BasicProperties {
  contentType?: string;
  contentEncoding?: string;
  headers?: FieldTable;
  /** 1 = transient, 2 = persistent. */
  deliveryMode?: number;
  /** 0..9 on RabbitMQ (0..255 on the wire). */
  priority?: number;
  correlationId?: string;
  replyTo?: string;
  /** Per-message TTL in milliseconds, as a decimal string. */
  expiration?: string;
  messageId?: string;
  /** Seconds since the epoch. */
  timestamp?: number;
  type?: string;
  userId?: string;
  appId?: string;
  clusterId?: string;
}

// flag bits, first property = bit 15
const CONTENT_TYPE = 0x8000;
const CONTENT_ENCODING = 0x4000;
const HEADERS = 0x2000;
const DELIVERY_MODE = 0x1000;
const PRIORITY = 0x0800;
const CORRELATION_ID = 0x0400;
const REPLY_TO = 0x0200;
const EXPIRATION = 0x0100;
const MESSAGE_ID = 0x0080;
const TIMESTAMP = 0x0040;
const TYPE = 0x0020;
const USER_ID = 0x0010;
const APP_ID = 0x0008;
const CLUSTER_ID = 0x0004;

/** Size pass results for the write pass that follows. */
let flags = 0;
const lens = new Int32Array(14);

/**
 * Bytes of the flag word plus the present properties; validates every value (EncodeError).
 * Must be followed by {@link writeProperties} for the same object before any other call here.
 * @internal
 */
export function propertiesSize(p: BasicProperties | undefined): number {
  flags = 0;
  if (p === undefined) return 2;
  let n = 2;
  if (p.contentType !== undefined) {
    flags |= CONTENT_TYPE;
    n += 1 + (lens[0] = shortStrLength(p.contentType, 'properties.contentType'));
  }
  if (p.contentEncoding !== undefined) {
    flags |= CONTENT_ENCODING;
    n += 1 + (lens[1] = shortStrLength(p.contentEncoding, 'properties.contentEncoding'));
  }
  if (p.headers !== undefined) {
    flags |= HEADERS;
    n += fieldTableSize(p.headers, 'properties.headers');
  }
  if (p.deliveryMode !== undefined) {
    flags |= DELIVERY_MODE;
    checkOctet(p.deliveryMode, 'properties.deliveryMode');
    n += 1;
  }
  if (p.priority !== undefined) {
    flags |= PRIORITY;
    checkOctet(p.priority, 'properties.priority');
    n += 1;
  }
  if (p.correlationId !== undefined) {
    flags |= CORRELATION_ID;
    n += 1 + (lens[5] = shortStrLength(p.correlationId, 'properties.correlationId'));
  }
  if (p.replyTo !== undefined) {
    flags |= REPLY_TO;
    n += 1 + (lens[6] = shortStrLength(p.replyTo, 'properties.replyTo'));
  }
  if (p.expiration !== undefined) {
    flags |= EXPIRATION;
    n += 1 + (lens[7] = shortStrLength(p.expiration, 'properties.expiration'));
  }
  if (p.messageId !== undefined) {
    flags |= MESSAGE_ID;
    n += 1 + (lens[8] = shortStrLength(p.messageId, 'properties.messageId'));
  }
  if (p.timestamp !== undefined) {
    flags |= TIMESTAMP;
    checkLongLong(p.timestamp, 'properties.timestamp');
    n += 8;
  }
  if (p.type !== undefined) {
    flags |= TYPE;
    n += 1 + (lens[10] = shortStrLength(p.type, 'properties.type'));
  }
  if (p.userId !== undefined) {
    flags |= USER_ID;
    n += 1 + (lens[11] = shortStrLength(p.userId, 'properties.userId'));
  }
  if (p.appId !== undefined) {
    flags |= APP_ID;
    n += 1 + (lens[12] = shortStrLength(p.appId, 'properties.appId'));
  }
  if (p.clusterId !== undefined) {
    flags |= CLUSTER_ID;
    n += 1 + (lens[13] = shortStrLength(p.clusterId, 'properties.clusterId'));
  }
  return n;
}

/** Writes the flag word and properties measured by the preceding {@link propertiesSize}. @internal */
export function writeProperties(buf: Buffer, o: number, p: BasicProperties | undefined): number {
  const f = flags;
  o = writeU16(buf, o, f);
  if (f === 0 || p === undefined) return o;
  if (f & CONTENT_TYPE) o = writeShortStr(buf, o, p.contentType as string, lens[0] as number);
  if (f & CONTENT_ENCODING) o = writeShortStr(buf, o, p.contentEncoding as string, lens[1] as number);
  if (f & HEADERS) o = writeFieldTable(buf, o, p.headers as FieldTable);
  if (f & DELIVERY_MODE) buf[o++] = p.deliveryMode as number;
  if (f & PRIORITY) buf[o++] = p.priority as number;
  if (f & CORRELATION_ID) o = writeShortStr(buf, o, p.correlationId as string, lens[5] as number);
  if (f & REPLY_TO) o = writeShortStr(buf, o, p.replyTo as string, lens[6] as number);
  if (f & EXPIRATION) o = writeShortStr(buf, o, p.expiration as string, lens[7] as number);
  if (f & MESSAGE_ID) o = writeShortStr(buf, o, p.messageId as string, lens[8] as number);
  if (f & TIMESTAMP) o = writeU64(buf, o, p.timestamp as number);
  if (f & TYPE) o = writeShortStr(buf, o, p.type as string, lens[10] as number);
  if (f & USER_ID) o = writeShortStr(buf, o, p.userId as string, lens[11] as number);
  if (f & APP_ID) o = writeShortStr(buf, o, p.appId as string, lens[12] as number);
  if (f & CLUSTER_ID) o = writeShortStr(buf, o, p.clusterId as string, lens[13] as number);
  return o;
}

/**
 * Decodes the flag word(s) and properties at `o`, bounded by `end`; the returned object has all 14
 * keys (absent ones `undefined`) so every decoded header shares one object shape. Leaves the end
 * in `cursor.pos`. @internal
 */
export function decodeProperties(buf: Buffer, o: number, end: number): BasicProperties {
  if (o + 2 > end) truncated('property flags', o);
  const f = readU16(buf, o);
  o += 2;
  if (f & 1) {
    // continuation words announce properties beyond the 14 the basic class defines
    let more = f;
    while (more & 1) {
      if (o + 2 > end) truncated('property flags', o);
      more = readU16(buf, o);
      if (more & 0xfffe)
        throw new FrameError('content header announces an unknown property', 502, { offset: o });
      o += 2;
    }
  }
  if (f & 0x0002)
    throw new FrameError('content header announces an unknown property (flag bit 1)', 502, { offset: o });
  let contentType: string | undefined;
  let contentEncoding: string | undefined;
  let headers: FieldTable | undefined;
  let deliveryMode: number | undefined;
  let priority: number | undefined;
  let correlationId: string | undefined;
  let replyTo: string | undefined;
  let expiration: string | undefined;
  let messageId: string | undefined;
  let timestamp: number | undefined;
  let type: string | undefined;
  let userId: string | undefined;
  let appId: string | undefined;
  let clusterId: string | undefined;
  if (f & CONTENT_TYPE) {
    contentType = readShortStr(buf, o, end, 'property contentType');
    o = cursor.pos;
  }
  if (f & CONTENT_ENCODING) {
    contentEncoding = readShortStr(buf, o, end, 'property contentEncoding');
    o = cursor.pos;
  }
  if (f & HEADERS) {
    headers = decodeFieldTable(buf, o, end);
    o = cursor.pos;
  }
  if (f & DELIVERY_MODE) {
    if (o >= end) truncated('property deliveryMode', o);
    deliveryMode = buf[o++] as number;
  }
  if (f & PRIORITY) {
    if (o >= end) truncated('property priority', o);
    priority = buf[o++] as number;
  }
  if (f & CORRELATION_ID) {
    correlationId = readShortStr(buf, o, end, 'property correlationId');
    o = cursor.pos;
  }
  if (f & REPLY_TO) {
    replyTo = readShortStr(buf, o, end, 'property replyTo');
    o = cursor.pos;
  }
  if (f & EXPIRATION) {
    expiration = readShortStr(buf, o, end, 'property expiration');
    o = cursor.pos;
  }
  if (f & MESSAGE_ID) {
    messageId = readShortStr(buf, o, end, 'property messageId');
    o = cursor.pos;
  }
  if (f & TIMESTAMP) {
    if (o + 8 > end) truncated('property timestamp', o);
    timestamp = readU64(buf, o, 'property timestamp');
    o += 8;
  }
  if (f & TYPE) {
    type = readShortStr(buf, o, end, 'property type');
    o = cursor.pos;
  }
  if (f & USER_ID) {
    userId = readShortStr(buf, o, end, 'property userId');
    o = cursor.pos;
  }
  if (f & APP_ID) {
    appId = readShortStr(buf, o, end, 'property appId');
    o = cursor.pos;
  }
  if (f & CLUSTER_ID) {
    clusterId = readShortStr(buf, o, end, 'property clusterId');
    o = cursor.pos;
  }
  const props: BasicProperties = {
    contentType,
    contentEncoding,
    headers,
    deliveryMode,
    priority,
    correlationId,
    replyTo,
    expiration,
    messageId,
    timestamp,
    type,
    userId,
    appId,
    clusterId,
  };
  cursor.pos = o;
  return props;
}
