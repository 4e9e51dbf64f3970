import type { LoggerService } from '@nestjs/common';
import type { OversizeMessageError } from '../../../protocol/errors.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import type { ConsumerPipeline } from '../consumer-pipeline.js';
import type { Delivery } from '../delivery.js';
import { describeError, describeMessage } from '../message-identity.js';

/** What a consumer does with a delivery whose body was over maxBodySize (handed over unsettled, with an empty body). */
export type OversizeHandler = (message: AmqpMessage, delivery: Delivery, queue: string, error: OversizeMessageError) => Promise<void>;

/**
 * The fate of an oversize delivery, before any handler (its body was never read): dead-lettered as a
 * failed message is. With a DLX on the queue it is nacked and the broker dead-letters it, body and
 * all; without one, a copy without its body goes to the consumer's dead-letter queue (`<queue>.dlq`)
 * with the reason in its headers, and the original is acked once the broker confirmed the copy. On a
 * stream (which must never see a nack) it is acked and skipped, with an ERROR.
 */
export function oversizeFate(pipeline: ConsumerPipeline, logger: LoggerService, stream: boolean): OversizeHandler {
  return async (message, delivery, queue, error) => {
    const reason = `body of ${error.bodySize} bytes exceeds maxBodySize ${error.maxBodySize} (not read; a dead-letter copy has no body)`;
    if (stream) {
      logger.error(`${describeMessage(message, queue)}: ${reason}; acked and skipped, it stays in the stream`);
      try {
        delivery.ack('dropped');
      } catch (settleError) {
        logger.warn?.(`${describeMessage(message, queue)}: ${describeError(settleError)}`);
      }
      return;
    }
    await pipeline.failures.apply('dead-letter', pipeline.target, message, delivery, queue, { reason, error, consumer: pipeline.consumer });
  };
}
