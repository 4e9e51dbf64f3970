/**
 * Payload <-> body for messages outside Nest's envelope (AmqpPublisher, @QueueConsumer): JSON by
 * default, Buffers untouched, and a body that is not JSON handed over raw instead of throwing,
 * because queues are shared with producers we do not control.
 */

export const JSON_CONTENT_TYPE = 'application/json';
export const BINARY_CONTENT_TYPE = 'application/octet-stream';

/** A body ready for basicPublish with the content type that says how to read it. */
export interface EncodedBody {
  body: Buffer;
  contentType: string;
}

/**
 * Encodes a payload: a Buffer (or any Uint8Array) is sent as is with `application/octet-stream`;
 * everything else as JSON with `application/json`. `undefined` becomes an empty JSON body.
 */
export function encodeBody(payload: unknown): EncodedBody {
  if (Buffer.isBuffer(payload)) return { body: payload, contentType: BINARY_CONTENT_TYPE };
  if (payload instanceof Uint8Array) {
    return { body: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), contentType: BINARY_CONTENT_TYPE };
  }
  const json = JSON.stringify(payload);
  return { body: json === undefined ? Buffer.alloc(0) : Buffer.from(json), contentType: JSON_CONTENT_TYPE };
}

/**
 * Decodes a body by its content type: JSON (declared, or undeclared but parseable) to its value,
 * `text/*` to a string, anything else (binary, or JSON that does not parse) to the raw Buffer.
 * An empty body decodes to `undefined`. Never throws.
 */
export function decodeBody(body: Buffer, contentType?: string): unknown {
  const type = mediaType(contentType);
  if (type === undefined || isJsonType(type)) {
    if (body.length === 0) return undefined;
    // Not tryParseJson: no result object per message on this path.
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      return body;
    }
  }
  if (type.startsWith('text/')) return body.toString('utf8');
  return body;
}

/** The outcome of a JSON parse that must not throw. */
export type JsonParseResult = { ok: true; value: unknown } | { ok: false; error: Error };

/** JSON.parse without throwing (bodies come from other processes). */
export function tryParseJson(body: Buffer | string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined || contentType === '') return undefined;
  // Nest's and this package's own content type, on nearly every message: no slicing or case folding.
  if (contentType === JSON_CONTENT_TYPE) return JSON_CONTENT_TYPE;
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

function isJsonType(type: string): boolean {
  return type === JSON_CONTENT_TYPE || type.endsWith('+json') || type === 'text/json';
}
