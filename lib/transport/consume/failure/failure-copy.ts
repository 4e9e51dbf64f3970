import type { BasicProperties, FieldTable } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import { fullProperties } from '../../core/full-properties.js';
import {
  DROPPED_PROPERTIES_HEADER,
  ORIGINAL_BCC_HEADER,
  ORIGINAL_CC_HEADER,
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_EXPIRATION_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  ORIGINAL_USER_ID_HEADER,
} from '../../core/message-headers.js';

/**
 * How much of the original a copy keeps. 'full': every property and header but those a copy must
 * never carry. 'reduced': the body, the failure headers and the properties that encode; the original
 * headers are left out (a table too large for the frame is the usual reason a full copy fails).
 */
export type CopyShape = 'full' | 'reduced';

/** The short-string properties: each must encode to at most 255 bytes. */
const SHORT_STRINGS = ['contentType', 'contentEncoding', 'correlationId', 'replyTo', 'messageId', 'type', 'appId', 'clusterId'] as const;

/**
 * The properties of a copy of `message` (dead-letter, requeue or retry copy) with `added` headers.
 *
 * What a copy never carries, in any shape, and why:
 * - `expiration`: the copy would expire out of the dead-letter or retry queue (the broker's own
 *   dead-lettering strips it too); kept in `x-original-expiration`.
 * - `CC` / `BCC` headers: the broker would route the copy to those queues as well, under the
 *   service's identity; kept in `x-original-cc` / `x-original-bcc`.
 * - `user_id`: the broker refuses (406, closing the channel) a user_id other than the publishing
 *   connection's user; kept in `x-original-user-id`.
 * A short-string property that no longer encodes (a decoded invalid UTF-8 id grows past 255 bytes)
 * is left out; everything left out is named in `x-dropped-properties`.
 */
export function copyProperties(message: AmqpMessage, added: FieldTable, shape: CopyShape = 'full'): BasicProperties {
  const original = message.properties;
  const properties = fullProperties(original);
  const dropped: string[] = [];
  const headers: FieldTable = {};
  const source = original.headers ?? {};
  if (shape === 'full') {
    for (const key of Object.keys(source)) if (key !== 'CC' && key !== 'BCC') headers[key] = source[key];
  } else if (Object.keys(source).length > 0) {
    dropped.push('headers');
    // Our own bookkeeping survives a reduced copy: the counts and the first failure stay true.
    for (const key of Object.keys(source)) if (key.startsWith('x-') && key !== 'x-death' && isSmall(source[key])) headers[key] = source[key];
  }
  if (source['CC'] !== undefined && shape === 'full') headers[ORIGINAL_CC_HEADER] = source['CC'];
  if (source['BCC'] !== undefined && shape === 'full') headers[ORIGINAL_BCC_HEADER] = source['BCC'];
  if (original.expiration !== undefined) {
    headers[ORIGINAL_EXPIRATION_HEADER] = original.expiration;
    properties.expiration = undefined;
  }
  if (original.userId !== undefined) {
    if (fitsShortString(original.userId)) headers[ORIGINAL_USER_ID_HEADER] = original.userId;
    properties.userId = undefined;
  }
  for (const name of SHORT_STRINGS) {
    const value = properties[name];
    if (value !== undefined && !fitsShortString(value)) {
      properties[name] = undefined;
      dropped.push(name);
    }
  }
  if (headers[ORIGINAL_EXCHANGE_HEADER] === undefined) headers[ORIGINAL_EXCHANGE_HEADER] = message.fields.exchange;
  if (headers[ORIGINAL_ROUTING_KEY_HEADER] === undefined) headers[ORIGINAL_ROUTING_KEY_HEADER] = message.fields.routingKey;
  Object.assign(headers, added);
  if (dropped.length > 0) headers[DROPPED_PROPERTIES_HEADER] = dropped.join(',');
  properties.headers = headers;
  return properties;
}

/** True when `value` encodes as an AMQP short string (at most 255 UTF-8 bytes). */
export function fitsShortString(value: string): boolean {
  return value.length <= 85 || Buffer.byteLength(value, 'utf8') <= 255;
}

/** A header value small enough to keep in a reduced copy. */
function isSmall(value: unknown): boolean {
  if (typeof value === 'string') return value.length <= 1024;
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}
