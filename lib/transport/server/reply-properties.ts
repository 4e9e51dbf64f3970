import type { RmqRecordOptions } from '@nestjs/microservices';
import type { BasicProperties } from '../../protocol/index.js';

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
