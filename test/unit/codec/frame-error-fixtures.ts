/**
 * What the frame-error specs share: onlyError, which parses bytes and returns the one FrameError they
 * yield, and the frames they build errors around.
 */
import { expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import { FrameError } from '../../../lib/protocol/errors.js';
import { frame, parse, u16, u32 } from './helpers.js';

/** The one FrameError parsing `bytes` yields, checking that nothing comes after it. */
export function onlyError(bytes: Buffer, options?: { frameMax?: number; maxBodySize?: number }): FrameError {
  const events = parse(bytes, options);
  const errors = events.filter((e) => e.kind === 'error');
  expect(errors).toHaveLength(1);
  expect(events[events.length - 1]!.kind).toBe('error');
  const e = errors[0]!;
  if (e.kind !== 'error') throw new Error('unreachable');
  expect(e.error).toBeInstanceOf(FrameError);
  return e.error;
}

/** A basic.ack on channel 3. */
export const ack = encodeMethodFrame(3, 'basic.ack', { deliveryTag: 1 });
/** A basic.deliver on channel 1, without its content. */
export const deliverMethod = encodeMethodFrame(1, 'basic.deliver', {
  consumerTag: 't',
  deliveryTag: 1,
  exchange: '',
  routingKey: 'k',
});
/** A content header of `size` bytes (class `classId`, no properties) on `channel`. */
export const header = (size: number, channel = 1, classId = 60): Buffer =>
  frame(2, channel, u16(classId), u16(0), u32(Math.floor(size / 2 ** 32)), u32(size >>> 0), u16(0));
