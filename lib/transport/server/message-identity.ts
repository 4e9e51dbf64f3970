import type { AmqpMessage } from '../amqp.context.js';

/**
 * Names a message in a log line well enough to find it again: queue, delivery tag, and the ids its
 * producer gave it. Every error that drops a message is logged with this.
 */
export function describeMessage(message: AmqpMessage, queue: string): string {
  const parts = [`queue "${queue}"`, `delivery ${message.fields.deliveryTag}`];
  const { messageId, correlationId } = message.properties;
  if (messageId !== undefined) parts.push(`messageId "${messageId}"`);
  if (correlationId !== undefined) parts.push(`correlationId "${correlationId}"`);
  if (message.fields.exchange !== '') parts.push(`exchange "${message.fields.exchange}"`);
  parts.push(`routingKey "${message.fields.routingKey}"`);
  if (message.fields.redelivered) parts.push('redelivered');
  return parts.join(', ');
}

/** A failure as one line: an Error's message, Nest's `{status, message}` error payloads, or JSON. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const message = (error as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
