/**
 * A delivery's consumer tag, exchange and routing key are read with readRecentShortStr: a string
 * equal to the slot's last one comes back as that same string, and nothing else is ever mistaken
 * for it (same length, other bytes; non-ASCII; invalid UTF-8).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeMethod, encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import { readRecentShortStr } from '../../../lib/protocol/codec/primitives.js';
import { shortStr } from './arbitraries.js';

function deliver(consumerTag: string, routingKey: string): Record<string, unknown> {
  const frame = encodeMethodFrame(1, 'basic.deliver', { consumerTag, deliveryTag: 1, exchange: 'x', routingKey });
  return decodeMethod(frame, 7, frame.length - 1).args as Record<string, unknown>;
}

function shortStrBytes(bytes: number[]): Buffer {
  return Buffer.from([bytes.length, ...bytes]);
}

describe('readRecentShortStr', () => {
  it('returns the same string for a repeated field and a new one when it changes', () => {
    const a = deliver('amq.ctag-1', 'orders.eu');
    const b = deliver('amq.ctag-1', 'orders.eu');
    expect(b.consumerTag).toBe(a.consumerTag);
    const c = deliver('amq.ctag-2', 'orders.us');
    expect(c).toMatchObject({ consumerTag: 'amq.ctag-2', routingKey: 'orders.us', exchange: 'x' });
  });

  it('never mistakes other bytes of the same length, non-ASCII or invalid UTF-8 for the last string', () => {
    const slot = 4;
    expect(readRecentShortStr(shortStrBytes([0x61, 0x62]), 0, 3, 't', slot)).toBe('ab');
    expect(readRecentShortStr(shortStrBytes([0x61, 0x63]), 0, 3, 't', slot)).toBe('ac');
    expect(readRecentShortStr(shortStrBytes([0xc3, 0xa9]), 0, 3, 't', slot)).toBe('é');
    expect(readRecentShortStr(shortStrBytes([0xff, 0xfe]), 0, 3, 't', slot)).toBe('\ufffd\ufffd');
    expect(readRecentShortStr(shortStrBytes([0xff, 0xfe]), 0, 3, 't', slot)).toBe('\ufffd\ufffd');
    expect(readRecentShortStr(shortStrBytes([]), 0, 1, 't', slot)).toBe('');
  });

  it('reads every sequence of strings as a plain decode would (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(shortStr, shortStr), { minLength: 1, maxLength: 20 }), (pairs) => {
        for (const [consumerTag, routingKey] of pairs) {
          expect(deliver(consumerTag, routingKey)).toMatchObject({ consumerTag, routingKey });
        }
      }),
      { numRuns: 300 },
    );
  });
});
