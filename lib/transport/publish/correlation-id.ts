/**
 * Correlation ids of requests: 128 random bits each, from the CSPRNG, so one observed request (a
 * failed one sitting in a dead-letter queue, say) tells nothing about the next ones and a producer on
 * the reply path cannot answer a call it has not seen. The bytes come from a pooled buffer refilled
 * 256 ids at a time, so the hot path pays one crypto call per 256 requests, not one per request.
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(ID_BYTES * POOL_IDS);
// Starts exhausted: the first id fills the pool.
let offset = pool.length;

/** A fresh correlation id: 22 base64url characters (128 bits from the CSPRNG), never reused. */
export function newCorrelationId(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  // The used bytes are wiped so that no later read of the pool can show an id in flight.
  pool.fill(0, offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
