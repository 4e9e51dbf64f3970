import type { FieldTable } from '../../../protocol/index.js';
import { DELIVERY_COUNT_HEADER, REDELIVERY_COUNT_HEADER, retryCountOf } from '../../core/message-headers.js';


/** How many times this message was redelivered after a failure: the broker's count or ours, whichever is higher. */
export function redeliveryCountOf(headers: FieldTable | undefined): number {
  if (headers === undefined) return 0;
  return Math.max(retryCountOf(headers[DELIVERY_COUNT_HEADER]), retryCountOf(headers[REDELIVERY_COUNT_HEADER]));
}
