/** A consumer as a queue sees it: a tag, flags and whether its channel can take one more delivery. */
import type { FieldTable } from '../../protocol/index.js';
import type { QueuedMessage } from './message.js';

export interface QueueConsumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  readonly args: FieldTable;
  /** False while the consumer's prefetch (or its channel's global prefetch) is used up. */
  canTake(): boolean;
  /** Hands a message over (the channel writes basic.deliver and tracks the delivery tag). */
  deliver(entry: QueuedMessage, queueName: string): void;
  /** The queue went away (deleted, expired): the channel tells the client if it can. */
  queueGone(): void;
}
