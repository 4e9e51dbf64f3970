import type { BasicProperties } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import type { AmqpChannel } from '../../connection/connection-host.js';
import { JSON_CONTENT_TYPE, encodeBody } from '../../publish/serialization.js';
import { REPLY_STATUS_HEADER } from '../../core/message-headers.js';
import { publishReply } from '../../publish/traced-reply.js';

/** The body of an error reply. */
export interface ConsumerErrorReply {
  error: { name?: string; message: string; [key: string]: unknown };
}

/**
 * Answers a request with the handler's value: to `replyTo` through the default exchange, with the
 * request's `correlationId`, the content type of the encoding (JSON, or `application/octet-stream`
 * for a Buffer) and `x-reply-status: ok`. Resolves once written.
 */
export function sendReply(channel: AmqpChannel, request: AmqpMessage, value: unknown): Promise<void> {
  const { body, contentType } = encodeBody(value);
  return publishReply(channel, request.properties.replyTo ?? '', body, replyProperties(request, contentType, 'ok'));
}

/** Answers a request whose handler failed: `{"error": {name, message, ...}}` as JSON with `x-reply-status: error`. */
export function sendErrorReply(channel: AmqpChannel, request: AmqpMessage, error: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify(errorReplyOf(error)));
  return publishReply(channel, request.properties.replyTo ?? '', body, replyProperties(request, JSON_CONTENT_TYPE, 'error'));
}

/** A failure as an error reply: an Error's name, message and code; an object (an RpcException's payload) as is. */
export function errorReplyOf(error: unknown): ConsumerErrorReply {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { error: { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) } };
  }
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    return { error: { ...(error as Record<string, unknown>), message: typeof message === 'string' ? message : safeJson(error) } };
  }
  return { error: { message: String(error) } };
}

function replyProperties(request: AmqpMessage, contentType: string, status: 'ok' | 'error'): BasicProperties {
  const properties: BasicProperties = { contentType, headers: { [REPLY_STATUS_HEADER]: status } };
  const correlationId = request.properties.correlationId;
  if (correlationId !== undefined) properties.correlationId = correlationId;
  return properties;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
