import { ChannelClosedError, EncodeError, MessageReturnedError, PublishNackedError } from '../../../protocol/errors.js';
import type { FieldTable } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import { DROPPED_PROPERTIES_HEADER } from '../../core/message-headers.js';
import type { ConfirmPublisher } from '../../publish/confirm-publisher.js';
import { copyProperties, type CopyShape } from './failure-copy.js';

/**
 * How publishing a copy of a failed message ended: confirmed (`dropped` names what a reduced copy
 * left out); refused for good (the copy cannot be encoded, or the broker refused it: trying again
 * changes nothing); or failed for a passing reason (connection down, publisher closed).
 */
export type CopyOutcome =
  | { readonly kind: 'copied'; readonly dropped: string | undefined }
  | { readonly kind: 'refused'; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown };

const SHAPES: readonly CopyShape[] = ['full', 'reduced'];

/**
 * Publishes a confirmed copy of `message` to `routingKey` on `exchange` with `added` headers: as it
 * is first (minus what a copy never carries), then, when that is refused, reduced (the body and the
 * failure headers; the original headers left out and named). A poison message costs one failed
 * publish, never the consumer.
 */
export async function publishCopy(
  publisher: () => ConfirmPublisher,
  exchange: string,
  routingKey: string,
  message: AmqpMessage,
  added: FieldTable,
  /** A per-message TTL of the copy's own (a retry queue's jittered wait); a copy never keeps the original's. */
  expiration?: string,
): Promise<CopyOutcome> {
  let refusal: unknown;
  for (const shape of SHAPES) {
    const properties = copyProperties(message, added, shape);
    if (expiration !== undefined) properties.expiration = expiration;
    try {
      await publisher().publish(exchange, routingKey, message.content, properties, true);
      const dropped = properties.headers?.[DROPPED_PROPERTIES_HEADER];
      return { kind: 'copied', dropped: typeof dropped === 'string' ? dropped : undefined };
    } catch (error) {
      if (!isRefusal(error)) return { kind: 'failed', error };
      refusal = error;
    }
  }
  return { kind: 'refused', error: refusal };
}

/**
 * True when the copy itself is the problem: it does not encode (a short string over 255 bytes, a
 * header frame over frame_max), the broker refused it (a channel error such as 406 for a user_id, a
 * nack) or could not route it (the dead-letter queue is gone).
 */
export function isRefusal(error: unknown): boolean {
  if (error instanceof EncodeError || error instanceof MessageReturnedError || error instanceof PublishNackedError) return true;
  return error instanceof ChannelClosedError && error.initiator === 'broker' && error.replyCode >= 400 && error.replyCode < 500;
}
