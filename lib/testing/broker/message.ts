/** A message as the in-memory broker holds it. */
import type { BasicProperties } from '../../protocol/index.js';

/** What was published, once (shared by every queue it was routed to). */
export interface BrokerMessage {
  /** Publish order in the broker (requeued messages go back in this order). */
  readonly seq: number;
  exchange: string;
  routingKey: string;
  properties: BasicProperties;
  body: Buffer;
}

/** One queue's copy of a message. */
export interface QueuedMessage {
  message: BrokerMessage;
  enqueuedAt: number;
  /** When the message expires while ready (queue TTL or per-message expiration); undefined = never. */
  expiresAt: number | undefined;
  redelivered: boolean;
  /** Times it went back to a quorum queue (x-delivery-count). */
  returns: number;
}

/** Body bytes and header, as max-length-bytes counts them (the body only, as RabbitMQ does). */
export function bodyBytes(entry: QueuedMessage): number {
  return entry.message.body.length;
}

/** Per-message TTL from the expiration property (a non-negative integer string), or undefined. */
export function messageTtl(properties: BasicProperties): number | undefined {
  const expiration = properties.expiration;
  if (expiration === undefined || expiration === '') return undefined;
  return Number(expiration);
}

/** True when `expiration` is a value RabbitMQ accepts (digits, at most 2^32-1 in practice). */
export function validExpiration(expiration: string | undefined): boolean {
  return expiration === undefined || /^\d{1,10}$/.test(expiration);
}
