/**
 * Raw content frames for hostile inputs: a content-carrying method, a content header announcing any
 * body size (up to 2^64-1, which the encoder would never write), and body frames of given bytes.
 */
import { encodeMethodFrame } from '../../lib/protocol/codec/index.js';

/** One frame: type, channel, size, payload, end octet (`end` lets a test break it). */
export function rawFrame(type: number, channel: number, payload: Buffer, end = 0xce): Buffer {
  const head = Buffer.alloc(7);
  head.writeUInt8(type, 0);
  head.writeUInt16BE(channel, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([end])]);
}

/** basic.deliver on `channel` (tag `tag`), as a method frame. */
export function deliverFrame(channel: number, tag = 1): Buffer {
  return encodeMethodFrame(channel, 'basic.deliver', {
    consumerTag: 'ctag',
    deliveryTag: tag,
    redelivered: false,
    exchange: '',
    routingKey: 'q',
  });
}

/** A basic-class content header announcing `bodySize` (a bigint reaches past 2^53), no properties. */
export function headerFrame(channel: number, bodySize: number | bigint): Buffer {
  const payload = Buffer.alloc(14);
  payload.writeUInt16BE(60, 0);
  payload.writeUInt16BE(0, 2);
  payload.writeBigUInt64BE(BigInt(bodySize), 4);
  payload.writeUInt16BE(0, 12);
  return rawFrame(2, channel, payload);
}

/** A body frame carrying `body`. */
export function bodyFrame(channel: number, body: Buffer): Buffer {
  return rawFrame(3, channel, body);
}
