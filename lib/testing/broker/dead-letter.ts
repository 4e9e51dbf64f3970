/**
 * The message RabbitMQ (3.10 to 3.12) republishes to a dead-letter exchange: `x-death` (one entry per
 * queue and reason, newest first, `count` raised on a repeat), `x-first-death-*` set once, the
 * `expiration` property moved into the entry as `original-expiration`, the BCC header dropped.
 */
import { TypedValue, type BasicProperties, type FieldTable, type FieldValue } from '../../protocol/index.js';
import type { BrokerMessage } from './message.js';
import type { DeathReason } from './memory-queue.js';

/** The routing keys a message was published with (its key plus CC and BCC, as RabbitMQ records them). */
export function publishedRoutingKeys(routingKey: string, headers: FieldTable | undefined): string[] {
  return [routingKey, ...keyList(headers?.['CC']), ...keyList(headers?.['BCC'])];
}

function keyList(value: FieldValue): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (Buffer.isBuffer(v) ? v.toString() : String(v)));
}

function countOf(value: FieldValue): number {
  if (value instanceof TypedValue) return countOf(value.value);
  return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : 0;
}

/** The properties of the dead-lettered copy of `message`. */
export function deadLetterProperties(message: BrokerMessage, queue: string, reason: DeathReason, now: number): BasicProperties {
  const { expiration, ...rest } = message.properties;
  const headers: FieldTable = { ...(rest.headers ?? {}) };
  const deaths = Array.isArray(headers['x-death']) ? (headers['x-death'] as FieldTable[]) : [];
  const at = deaths.findIndex((d) => d['queue'] === queue && d['reason'] === reason);
  let entry: FieldTable;
  if (at >= 0) {
    entry = { ...deaths[at]!, count: new TypedValue('l', countOf(deaths[at]!['count']) + 1) };
    deaths.splice(at, 1);
  } else {
    entry = {
      count: new TypedValue('l', 1),
      reason,
      queue,
      time: new Date(now),
      exchange: message.exchange,
      'routing-keys': [message.routingKey, ...keyList(message.properties.headers?.['CC'])],
      ...(expiration === undefined ? {} : { 'original-expiration': expiration }),
    };
  }
  headers['x-death'] = [entry, ...deaths];
  if (headers['x-first-death-reason'] === undefined) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
  }
  delete headers['BCC'];
  return { ...rest, headers };
}

/**
 * True when dead-lettering to `target` closes a cycle RabbitMQ breaks: the message already died in
 * that queue and nothing on the way was a rejection by a client.
 */
export function isDeadLetterCycle(properties: BasicProperties, target: string): boolean {
  const deaths = properties.headers?.['x-death'];
  if (!Array.isArray(deaths)) return false;
  const entries = deaths as FieldTable[];
  return entries.some((d) => d['queue'] === target) && entries.every((d) => d['reason'] !== 'rejected');
}
