import type { MessageHandler } from '@nestjs/microservices';
import {
  QUEUE_CONSUMER_EXTRAS_KEY,
  QUEUE_CONSUMER_METADATA,
  type QueueConsumerMetadata,
} from './queue-consumer.metadata.js';

/** Reads what `@QueueConsumer` wrote: from a method, or from the handler Nest registered with the server. */
export class QueueConsumerMetadataAccessor {
  /** The consumer metadata of a decorated method, or undefined. */
  static fromMethod(method: unknown): QueueConsumerMetadata | undefined {
    if (typeof method !== 'function') return undefined;
    const value: unknown = Reflect.getMetadata(QUEUE_CONSUMER_METADATA, method);
    return isQueueConsumerMetadata(value) ? value : undefined;
  }

  /** The consumer metadata carried in a registered handler's extras, or undefined for a plain pattern handler. */
  static fromHandler(handler: MessageHandler): QueueConsumerMetadata | undefined {
    const extras: Record<string, unknown> | undefined = handler.extras;
    const value = extras?.[QUEUE_CONSUMER_EXTRAS_KEY];
    return isQueueConsumerMetadata(value) ? value : undefined;
  }
}

function isQueueConsumerMetadata(value: unknown): value is QueueConsumerMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<QueueConsumerMetadata>;
  return typeof candidate.queue === 'string' && typeof candidate.pattern === 'string' && typeof candidate.options === 'object';
}
