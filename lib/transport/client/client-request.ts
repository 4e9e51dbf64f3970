import type { ReadPacket } from '@nestjs/microservices';
import type { AmqpClientOptions } from '../options/amqp-client.options.js';
import type { MessageDefaults } from '../options/message-options.js';
import type { ReplyConsumerOptions } from '../publish/direct-reply-rpc.js';
import { metadataToHeaders, patternToString } from '../publish/nest-envelope.js';
import { JSON_CONTENT_TYPE } from '../publish/serialization.js';
import type { SerializedPacket } from './amqp-record.serializer.js';
import type { AmqpRecordOptions } from './amqp.record-builder.js';

/** What a serializer's output holds: the envelope, and the per-message options taken out of it. */
export interface SplitPacket {
  envelope: Record<string, unknown>;
  options?: AmqpRecordOptions;
}

/** Takes a serialized packet's per-message options (an AmqpRecord's) out of its envelope. */
export function splitOptions(serialized: SerializedPacket): SplitPacket {
  if (serialized === null || typeof serialized !== 'object' || !('options' in serialized))
    return { envelope: serialized };
  const { options, ...envelope } = serialized;
  return options === undefined ? { envelope } : { envelope, options };
}

/**
 * Where a message goes: ClientRMQ's rule (to the exchange with the pattern as routing key when the
 * client publishes to an exchange, else to its queue), unless the message's AmqpRecord chose an
 * exchange or routing key.
 */
export function requestTarget(
  publishesToExchange: boolean,
  clientExchange: string | undefined,
  queue: string,
  pattern: unknown,
  options: AmqpRecordOptions | undefined,
): { exchange: string; routingKey: string } {
  if (publishesToExchange) {
    return {
      exchange: options?.exchange ?? clientExchange ?? queue,
      routingKey: options?.routingKey ?? patternToString(pattern),
    };
  }
  const exchange = options?.exchange;
  if (exchange === undefined || exchange === '') return { exchange: '', routingKey: options?.routingKey ?? queue };
  return { exchange, routingKey: options?.routingKey ?? patternToString(pattern) };
}

/** A message's defaults from the client's options; Nest 12 dispatch metadata also travels as headers, for consumers that read only headers. */
export function messageDefaults(options: AmqpClientOptions, metadata: ReadPacket['metadata']): MessageDefaults {
  const headers = metadataToHeaders(metadata, { ...options.headers });
  return {
    contentType: JSON_CONTENT_TYPE,
    persistent: options.persistent ?? false,
    headers: Object.keys(headers).length > 0 ? headers : undefined,
  };
}

/** The reply consumer's basic.qos and consumer tag (ClientRMQ's prefetchCount, isGlobalPrefetchCount, consumerTag). */
export function replyConsumer(options: AmqpClientOptions): ReplyConsumerOptions {
  const { prefetchCount, isGlobalPrefetchCount, consumerTag } = options;
  const out: ReplyConsumerOptions = {};
  if (prefetchCount !== undefined) out.prefetchCount = prefetchCount;
  if (isGlobalPrefetchCount !== undefined) out.global = isGlobalPrefetchCount;
  if (consumerTag !== undefined) out.consumerTag = consumerTag;
  return out;
}
