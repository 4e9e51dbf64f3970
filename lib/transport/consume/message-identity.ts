import type { AmqpMessage } from '../core/amqp.context.js';
import { logValue } from '../logging/log-text.js';

/**
 * Names a message in a log line well enough to find it again: queue, delivery tag, and the ids its
 * producer gave it. Every error that drops a message is logged with this.
 */
export function describeMessage(message: AmqpMessage, queue: string): string {
  const parts = [`queue ${logValue(queue)}`, `delivery ${message.fields.deliveryTag}`];
  const { messageId, correlationId } = message.properties;
  if (messageId !== undefined) parts.push(`messageId ${logValue(messageId)}`);
  if (correlationId !== undefined) parts.push(`correlationId ${logValue(correlationId)}`);
  if (message.fields.exchange !== '') parts.push(`exchange ${logValue(message.fields.exchange)}`);
  parts.push(`routingKey ${logValue(message.fields.routingKey)}`);
  if (message.fields.redelivered) parts.push('redelivered');
  return parts.join(', ');
}

/**
 * True for the payload Nest's exception filter makes of an unknown error after it has logged that
 * error with its stack: saying it again would log one failure twice.
 */
export function loggedByNest(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { status, message } = error as { status?: unknown; message?: unknown };
  return status === 'error' && message === 'Internal server error' && Object.keys(error).length === 2;
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
