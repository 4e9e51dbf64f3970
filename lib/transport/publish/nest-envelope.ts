/**
 * Nest's RMQ wire shapes, byte-compatible with `@nestjs/microservices` ServerRMQ/ClientRMQ so a
 * service can switch transports one side at a time:
 * - request `{pattern, data, id}` (with `replyTo` + `correlationId` properties),
 * - reply `{response | err, isDisposed}` (a stream is several replies, the last one disposed),
 * - event `{pattern, data}`.
 * Nest 12 dispatch metadata (`packet.metadata`) stays in the body as ClientRMQ puts it, and is
 * also copied to AMQP headers for consumers that only read headers (tracing tools, other stacks).
 */
import type { FieldTable } from '../../protocol/index.js';

/** Nest's exact no-handler text (constants.js NO_MESSAGE_HANDLER). */
export const NO_MESSAGE_HANDLER = 'There is no matching message handler defined in the remote service.';

/** Nest's placeholder for a pattern that cannot be serialized. */
export const UNSERIALIZABLE_PATTERN = '[UNSERIALIZABLE_PATTERN]';

/** Out-of-band string values a Nest 12 client attaches to a packet (trace id, tenant ...). */
export type NestPacketMetadata = Record<string, string>;

/** An event as Nest sends it. */
export interface NestEventPacket {
  pattern: unknown;
  data: unknown;
  metadata?: NestPacketMetadata;
}

/** A request as Nest sends it: an event with the id the reply echoes. */
export interface NestRequestPacket extends NestEventPacket {
  id: string;
}

/** A reply as Nest sends it. `status: 'error'` only on the no-handler reply. */
export interface NestReplyPacket {
  id?: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
  status?: string;
}

/** The keys a Nest reply may carry (the same list Nest's IncomingResponseDeserializer trusts). */
const REPLY_KEYS: ReadonlySet<string> = new Set(['id', 'err', 'response', 'isDisposed', 'status']);

/** Serializes an envelope (or whatever a Nest serializer produced) as Nest does: JSON text. */
export function encodeEnvelope(packet: unknown): Buffer {
  const json = JSON.stringify(packet);
  return Buffer.from(json === undefined ? 'null' : json);
}

/** Reads a body as Nest's `parseMessageContent`: JSON when it parses, the text otherwise. Never throws. */
export function parseEnvelopeBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** True for `{pattern, data, id}` with a string id. */
export function isRequestPacket(value: unknown): value is NestRequestPacket {
  return isEventPacket(value) && typeof (value as { id?: unknown }).id === 'string';
}

/** True for an object with a `pattern` (Nest events and requests both have one). */
export function isEventPacket(value: unknown): value is NestEventPacket {
  return isRecord(value) && 'pattern' in value && value['pattern'] !== undefined && value['pattern'] !== null;
}

/**
 * The event of a body that is exactly a Nest event envelope: `pattern` and `data`, and optionally a
 * `metadata` record of strings, nothing else. undefined for anything else (requests carry an `id`).
 */
export function asExactEventPacket(value: unknown): NestEventPacket | undefined {
  if (!isEventPacket(value) || !('data' in value)) return undefined;
  for (const key of Object.keys(value)) if (key !== 'pattern' && key !== 'data' && key !== 'metadata') return undefined;
  const metadata: unknown = (value as { metadata?: unknown }).metadata;
  if (metadata === undefined) return value;
  if (!isRecord(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) return undefined;
  return value;
}

/** True when every key is one of a Nest reply's keys (an empty object is not a reply). */
export function isReplyPacket(value: unknown): value is NestReplyPacket {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => REPLY_KEYS.has(key));
}

/** The reply Nest's ServerRMQ sends when no handler matches, plus `isDisposed` so every client ends the call. */
export function noHandlerReply(id: string | undefined): NestReplyPacket {
  return id === undefined
    ? { err: NO_MESSAGE_HANDLER, status: 'error', isDisposed: true }
    : { id, err: NO_MESSAGE_HANDLER, status: 'error', isDisposed: true };
}

/** A pattern as a routing key / route string, as Nest's `getPatternAsString` makes it. */
export function patternToString(pattern: unknown): string {
  if (typeof pattern === 'string') return pattern;
  try {
    const json = JSON.stringify(pattern);
    return json === undefined ? String(pattern) : json;
  } catch {
    return UNSERIALIZABLE_PATTERN;
  }
}

/** Copies packet metadata into AMQP headers (string values only, as Nest types them). */
export function metadataToHeaders(metadata: NestPacketMetadata | undefined, headers: FieldTable = {}): FieldTable {
  if (metadata === undefined) return headers;
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === 'string') headers[key] = value;
  }
  return headers;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
