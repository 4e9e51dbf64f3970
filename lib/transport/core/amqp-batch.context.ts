import type { AmqpChannel } from './connection-types.js';
import type { DeliverySettlement } from './settlement.js';
import { AmqpContext, type AmqpMessage } from './amqp.context.js';

/**
 * The `@Ctx()` of a batch consumer (`@QueueConsumer(queue, { batch })`): every message of the batch,
 * in delivery order, beside the payloads the handler gets as an array. The inherited accessors
 * (`message`, `properties`, `headers` ...) describe the batch's last message. The server acks the
 * whole batch after the handler succeeded (batches are `ack: 'auto'` only).
 */
export class AmqpBatchContext extends AmqpContext {
  constructor(
    private readonly batch: readonly AmqpMessage[],
    channel: AmqpChannel,
    pattern: string,
    lastDelivery: DeliverySettlement,
  ) {
    super(batch[batch.length - 1] as AmqpMessage, channel, pattern, lastDelivery);
  }

  /** The batch's messages, in delivery order (as many as the payloads the handler got). */
  getMessages(): readonly AmqpMessage[] {
    return this.batch;
  }

  /** How many messages the batch holds. */
  get size(): number {
    return this.batch.length;
  }
}
