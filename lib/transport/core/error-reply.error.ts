import { AMQPError } from '../../protocol/errors.js';

/**
 * The consumer that answered a request failed: its reply carried `x-reply-status: error` and the
 * body `{"error": {...}}` (see `@QueueConsumer`'s replies). `error` is that object as sent.
 */
export class ErrorReplyError extends AMQPError {
  /** The error as the consumer sent it (`name`, `message`, and whatever else it carried). */
  readonly error: Readonly<Record<string, unknown>>;
  readonly correlationId: string;
  constructor(label: string, correlationId: string, error: unknown) {
    const payload: Record<string, unknown> =
      typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : { message: String(error) };
    const message = typeof payload['message'] === 'string' ? payload['message'] : JSON.stringify(payload);
    super(`the consumer of "${label}" answered with an error: ${message}`, 'ERR_AMQP_ERROR_REPLY');
    this.error = payload;
    this.correlationId = correlationId;
  }
}
