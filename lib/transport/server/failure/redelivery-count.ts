import type { FieldTable } from '../../../protocol/index.js';
import { retryCountOf } from '../ack-policy.js';

/** Counted by the broker on quorum queues: deliveries before this one (absent on the first). */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';
/**
 * Ours, on other queue types: `onError: 'requeue'` puts a copy back at the tail of the queue with this
 * raised (a classic queue's nack-requeue cannot carry a count, and its `redelivered` flag is only a yes/no).
 */
export const REDELIVERY_COUNT_HEADER = 'x-redelivery-count';

/** How many times this message was redelivered after a failure: the broker's count or ours, whichever is higher. */
export function redeliveryCountOf(headers: FieldTable | undefined): number {
  if (headers === undefined) return 0;
  return Math.max(retryCountOf(headers[DELIVERY_COUNT_HEADER]), retryCountOf(headers[REDELIVERY_COUNT_HEADER]));
}
