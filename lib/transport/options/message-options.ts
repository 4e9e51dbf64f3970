import type { BasicProperties, FieldTable } from '../../protocol/index.js';

/**
 * Per-message options for everything the Nest layer publishes (ClientAMQP records, AmqpPublisher).
 * The AMQP basic properties under their spec names, plus `persistent` and `mandatory`.
 */
export interface AmqpMessageOptions {
  /** Survive a broker restart (delivery mode 2) when the queue is durable. */
  persistent?: boolean;
  /** Raw delivery mode; `persistent` wins when both are given. */
  deliveryMode?: 1 | 2;
  /** Application headers, merged over the sender's default headers. */
  headers?: FieldTable;
  priority?: number;
  /** Per-message TTL in milliseconds (a number is turned into the string the spec carries). */
  expiration?: string | number;
  messageId?: string;
  correlationId?: string;
  replyTo?: string;
  /** Seconds since the epoch, or a Date. */
  timestamp?: number | Date;
  type?: string;
  appId?: string;
  userId?: string;
  /** Overrides the content type the serializer chose. */
  contentType?: string;
  contentEncoding?: string;
  /**
   * Ask the broker to return the message when no queue is bound for it: the publish then fails with
   * MessageReturnedError instead of being confirmed and dropped. @default true when the message goes
   * straight to a queue (the default exchange: `sendToQueue`, an event or request to a queue), false
   * through a named exchange (publish/subscribe, where no subscriber yet is normal)
   */
  mandatory?: boolean;
}

/** What the sender fills in when a message does not say. */
export interface MessageDefaults {
  contentType?: string;
  persistent?: boolean;
  headers?: FieldTable;
}

/** Builds the AMQP properties of one message: the message's options over the sender's defaults. */
export function toBasicProperties(options: AmqpMessageOptions | undefined, defaults: MessageDefaults = {}): BasicProperties {
  const properties: BasicProperties = {};
  const contentType = options?.contentType ?? defaults.contentType;
  if (contentType !== undefined) properties.contentType = contentType;
  const persistent = options?.persistent ?? (options?.deliveryMode === undefined ? defaults.persistent : undefined);
  if (persistent !== undefined) properties.deliveryMode = persistent ? 2 : 1;
  else if (options?.deliveryMode !== undefined) properties.deliveryMode = options.deliveryMode;
  const headers = mergeHeaders(defaults.headers, options?.headers);
  if (headers !== undefined) properties.headers = headers;
  if (options === undefined) return properties;
  if (options.priority !== undefined) properties.priority = options.priority;
  if (options.expiration !== undefined) properties.expiration = String(options.expiration);
  if (options.messageId !== undefined) properties.messageId = options.messageId;
  if (options.correlationId !== undefined) properties.correlationId = options.correlationId;
  if (options.replyTo !== undefined) properties.replyTo = options.replyTo;
  if (options.timestamp !== undefined) {
    properties.timestamp =
      options.timestamp instanceof Date ? Math.floor(options.timestamp.getTime() / 1000) : options.timestamp;
  }
  if (options.type !== undefined) properties.type = options.type;
  if (options.appId !== undefined) properties.appId = options.appId;
  if (options.userId !== undefined) properties.userId = options.userId;
  if (options.contentEncoding !== undefined) properties.contentEncoding = options.contentEncoding;
  return properties;
}

/** Later tables win key by key; undefined when there is nothing to send. */
export function mergeHeaders(...tables: ReadonlyArray<FieldTable | undefined>): FieldTable | undefined {
  let merged: FieldTable | undefined;
  for (const table of tables) {
    if (table === undefined) continue;
    merged = merged === undefined ? { ...table } : Object.assign(merged, table);
  }
  return merged;
}
