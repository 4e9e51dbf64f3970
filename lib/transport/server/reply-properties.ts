import type { RmqRecordOptions } from '@nestjs/microservices';
import type { BasicProperties } from '../../protocol/index.js';
import type { SerializedReply } from './reply-writer.js';

/**
 * Maps the options of an `RmqRecord` reply (amqplib's names, as Nest users write them) to the
 * engine's properties, so `new RmqRecordBuilder(data).setOptions({ headers, priority })` works here.
 */
export function recordOptionsToProperties(options: RmqRecordOptions | undefined): BasicProperties {
  if (options === undefined) return {};
  const properties: BasicProperties = {};
  if (options.contentType !== undefined) properties.contentType = options.contentType;
  if (options.contentEncoding !== undefined) properties.contentEncoding = options.contentEncoding;
  if (options.headers !== undefined) properties.headers = { ...options.headers };
  if (options.priority !== undefined) properties.priority = options.priority;
  if (options.messageId !== undefined) properties.messageId = options.messageId;
  if (options.timestamp !== undefined) properties.timestamp = options.timestamp;
  if (options.type !== undefined) properties.type = options.type;
  if (options.appId !== undefined) properties.appId = options.appId;
  if (options.userId !== undefined) properties.userId = options.userId;
  if (options.expiration !== undefined) properties.expiration = String(options.expiration);
  const persistent =
    options.persistent === true || options.deliveryMode === true || options.deliveryMode === 2;
  if (persistent) properties.deliveryMode = 2;
  return properties;
}

/** A serializer's output as the dispatcher sends it: RmqRecord options become AMQP properties. */
export function toSerializedReply(outgoing: unknown): SerializedReply {
  if (typeof outgoing === 'object' && outgoing !== null && 'options' in outgoing) {
    const { options, ...rest } = outgoing as { options?: RmqRecordOptions };
    return { packet: rest, properties: recordOptionsToProperties(options) };
  }
  return { packet: outgoing, properties: NO_PROPERTIES };
}

/** The properties of a reply whose serializer set none (most replies): one shared, frozen object, only read. */
const NO_PROPERTIES: BasicProperties = Object.freeze({});
