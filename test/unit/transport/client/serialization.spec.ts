import { describe, it, expect } from '@jest/globals';
import {
  BINARY_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  decodeBody,
  encodeBody,
  tryParseJson,
} from '../../../../lib/transport/publish/serialization.js';

describe('encodeBody', () => {
  it('encodes plain values as JSON with the JSON content type', () => {
    const { body, contentType } = encodeBody({ a: 1, b: ['x'] });
    expect(contentType).toBe(JSON_CONTENT_TYPE);
    expect(body.toString()).toBe('{"a":1,"b":["x"]}');
  });

  it('passes a Buffer through untouched (same bytes, octet-stream)', () => {
    const payload = Buffer.from([0, 255, 1, 254]);
    const { body, contentType } = encodeBody(payload);
    expect(contentType).toBe(BINARY_CONTENT_TYPE);
    expect(body).toBe(payload);
  });

  it('sends a Uint8Array view as its own bytes only', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const { body, contentType } = encodeBody(backing.subarray(2, 5));
    expect(contentType).toBe(BINARY_CONTENT_TYPE);
    expect([...body]).toEqual([1, 2, 3]);
  });

  it('encodes undefined as an empty body that decodes back to undefined', () => {
    const { body, contentType } = encodeBody(undefined);
    expect(body.length).toBe(0);
    expect(decodeBody(body, contentType)).toBeUndefined();
  });

  it('throws on values JSON cannot carry (the caller gets the error, nothing is sent)', () => {
    expect(() => encodeBody({ n: 10n })).toThrow(TypeError);
  });
});

describe('decodeBody', () => {
  it.each([
    ['application/json', '{"x":[1,2]}', { x: [1, 2] }],
    ['application/json; charset=utf-8', '"é"', 'é'],
    ['application/vnd.api+json', '[true]', [true]],
    [undefined, '{"undeclared":true}', { undeclared: true }],
    ['', '42', 42],
  ])('reads %s as JSON', (contentType, text, expected) => {
    expect(decodeBody(Buffer.from(text), contentType)).toEqual(expected);
  });

  it('reads text/* as a string, not JSON', () => {
    expect(decodeBody(Buffer.from('{"a":1}'), 'text/plain')).toBe('{"a":1}');
  });

  it('hands a body that is not JSON over as the raw Buffer instead of throwing', () => {
    const raw = Buffer.from('not json {');
    expect(decodeBody(raw, JSON_CONTENT_TYPE)).toBe(raw);
    expect(decodeBody(raw, undefined)).toBe(raw);
  });

  it('hands binary content types over as the raw Buffer even when it would parse', () => {
    const raw = Buffer.from('123');
    expect(decodeBody(raw, BINARY_CONTENT_TYPE)).toBe(raw);
  });
});

describe('tryParseJson', () => {
  it('reports the parse error instead of throwing', () => {
    const result = tryParseJson('{');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toBeInstanceOf(SyntaxError);
  });
});
