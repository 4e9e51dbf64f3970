import { describe, expect, it } from '@jest/globals';
import { PublishBufferFullError } from '../../../lib/protocol/index.js';
import { PublishBuffer } from '../../../lib/protocol/recovery/publish-buffer.js';

function entry(bytes: number, failures: unknown[] = []) {
  return { bytes, reject: (error: unknown) => failures.push(error) };
}

describe('PublishBuffer', () => {
  it('holds up to maxMessages, refuses the next with the counts and bounds', () => {
    const buffer = new PublishBuffer({ maxMessages: 2 });
    buffer.offer(entry(10));
    buffer.offer(entry(20));
    let caught: unknown;
    try {
      buffer.offer(entry(1));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PublishBufferFullError);
    expect(caught).toMatchObject({
      bufferedMessages: 2,
      bufferedBytes: 30,
      maxMessages: 2,
      maxBytes: undefined,
    });
    expect(buffer.size).toBe(2);
    expect(buffer.bytes).toBe(30);
  });

  it('holds up to maxBytes of bodies', () => {
    const buffer = new PublishBuffer({ maxBytes: 100 });
    buffer.offer(entry(60));
    expect(() => buffer.offer(entry(41))).toThrow(PublishBufferFullError);
    buffer.offer(entry(40));
    expect(buffer.bytes).toBe(100);
  });

  it('with buffering off refuses every publish', () => {
    const buffer = new PublishBuffer(false);
    expect(buffer.enabled).toBe(false);
    expect(() => buffer.offer(entry(1))).toThrow(/publishBuffer is off/);
  });

  it('gives entries back oldest first and empties; rejectAll fails each once', () => {
    const buffer = new PublishBuffer<ReturnType<typeof entry> & { n: number }>({ maxMessages: 10 });
    const failures: unknown[] = [];
    for (let n = 1; n <= 3; n += 1) buffer.offer({ ...entry(n, failures), n });
    expect(buffer.takeAll().map((e) => e.n)).toEqual([1, 2, 3]);
    expect(buffer.size).toBe(0);
    expect(buffer.bytes).toBe(0);
    buffer.offer({ ...entry(5, failures), n: 4 });
    const reason = new Error('gone');
    buffer.rejectAll(reason);
    expect(failures).toEqual([reason]);
    expect(buffer.size).toBe(0);
  });
});
