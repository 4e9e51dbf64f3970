import { describe, it, expect } from '@jest/globals';
import { mergeHeaders, toBasicProperties } from '../../../../lib/transport/options/message-options.js';

describe('toBasicProperties', () => {
  it('applies the sender defaults when the message says nothing', () => {
    expect(toBasicProperties(undefined, { contentType: 'application/json', persistent: true, headers: { a: 1 } })).toEqual({
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { a: 1 },
    });
  });

  it('lets the message override: persistent false, its own content type, headers merged key by key', () => {
    const properties = toBasicProperties(
      { persistent: false, contentType: 'text/plain', headers: { a: 2, b: 3 } },
      { contentType: 'application/json', persistent: true, headers: { a: 1, c: 4 } },
    );
    expect(properties).toEqual({ contentType: 'text/plain', deliveryMode: 1, headers: { a: 2, b: 3, c: 4 } });
  });

  it('keeps zero and empty values (presence is !== undefined, never truthiness)', () => {
    const properties = toBasicProperties({ priority: 0, expiration: 0, messageId: '', timestamp: 0 });
    expect(properties.priority).toBe(0);
    expect(properties.expiration).toBe('0');
    expect(properties.messageId).toBe('');
    expect(properties.timestamp).toBe(0);
  });

  it('converts a Date timestamp to seconds and keeps the remaining spec properties', () => {
    const properties = toBasicProperties({
      timestamp: new Date(1_700_000_000_500),
      correlationId: 'c',
      replyTo: 'r',
      type: 't',
      appId: 'app',
      userId: 'guest',
      contentEncoding: 'gzip',
      deliveryMode: 2,
    });
    expect(properties).toEqual({
      timestamp: 1_700_000_000,
      correlationId: 'c',
      replyTo: 'r',
      type: 't',
      appId: 'app',
      userId: 'guest',
      contentEncoding: 'gzip',
      deliveryMode: 2,
    });
  });

  it('does not let a default persistent override an explicit deliveryMode', () => {
    expect(toBasicProperties({ deliveryMode: 1 }, { persistent: true }).deliveryMode).toBe(1);
  });
});

describe('mergeHeaders', () => {
  it('returns undefined when there is nothing, and never mutates its inputs', () => {
    expect(mergeHeaders(undefined, undefined)).toBeUndefined();
    const first = { a: 1 };
    const merged = mergeHeaders(first, { a: 2 });
    expect(merged).toEqual({ a: 2 });
    expect(first).toEqual({ a: 1 });
  });
});
