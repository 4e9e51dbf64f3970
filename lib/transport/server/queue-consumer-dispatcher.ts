import type { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { StaleDeliveryError } from '../../protocol/errors.js';
import { AmqpContext, RETRY_COUNT_HEADER, type AmqpMessage } from '../amqp.context.js';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { AckMode } from '../decorators/queue-consumer.options.js';
import type { AmqpChannel } from '../shared/connection-host.js';
import { asExactEventPacket } from '../shared/nest-envelope.js';
import { decodeBody } from '../shared/serialization.js';
import { decideAck, retryCountOf, type HandlerResult } from './ack-policy.js';
import type { Delivery } from './delivery.js';
import type { HandlerRunner } from './handler-invoker.js';
import { describeError, describeMessage, loggedByNest } from './message-identity.js';
import { republishForRetry, retryDelay } from './retry-republisher.js';
import { telemetry } from '../telemetry/telemetry.js';

/**
 * Serves one `@QueueConsumer`: decodes the body (JSON, text, or the raw Buffer), runs the handler
 * through Nest's pipeline, then applies the ack policy. Every path that drops a message logs it.
 */
export class QueueConsumerDispatcher {
  private readonly mode: AckMode;

  constructor(
    private readonly handler: MessageHandler,
    private readonly metadata: QueueConsumerMetadata,
    private readonly run: HandlerRunner,
    private readonly logger: LoggerService,
    /** Aborted at shutdown: pending retry delays end early. */
    private readonly shutdown: AbortSignal,
  ) {
    this.mode = metadata.options.ack ?? 'auto';
  }

  /** A {@link DeliveryHandler} for this consumer's runner. */
  readonly dispatch = async (message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string): Promise<void> => {
    let data = decodeBody(message.content, message.properties.contentType);
    let metadata: Record<string, string> | undefined;
    if (this.metadata.options.unwrapNestEnvelope === true) {
      const packet = asExactEventPacket(data);
      if (packet !== undefined) {
        data = packet.data;
        metadata = packet.metadata;
      }
    }
    const context = new AmqpContext(message, channel, this.metadata.pattern, delivery, metadata);
    const result = await this.run(this.handler, data, context);
    await this.settle(result, message, delivery, channel, queue);
  };

  private async settle(
    result: HandlerResult,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
  ): Promise<void> {
    const retryCount = retryCountOf(message.properties.headers?.[RETRY_COUNT_HEADER]);
    const action = decideAck({
      mode: this.mode,
      result,
      settled: delivery.settled,
      retry: this.metadata.options.retry,
      retryCount,
    });
    const identity = (): string => describeMessage(message, queue);
    // Nest's exception filter has logged an unknown error with its stack: say the message's fate only,
    // as a warning, so one failure is one ERROR line.
    const failure = result.ok ? undefined : result.error;
    const logged = !result.ok && loggedByNest(failure);
    const cause = logged ? 'see the error logged above' : describeError(failure);
    switch (action.kind) {
      case 'leave':
        if (!result.ok) {
          const state = delivery.state;
          const fate =
            state === 'lost'
              ? 'its channel closed, the broker redelivers it'
              : state === 'auto'
                ? "ack: 'none', the message is dropped"
                : `the handler had ${state} it`;
          const line = `handler of ${identity()} failed (${fate}): ${cause}`;
          if (logged) this.logger.warn?.(line);
          else this.logger.error(line);
        } else if (delivery.state === 'lost') {
          this.logger.warn?.(`handled ${identity()} but its channel closed first: the broker redelivers it`);
        }
        return;
      case 'ack':
        this.trySettle(delivery, identity, () => delivery.ack());
        return;
      case 'dead-letter':
        {
          const line =
            `handler of ${identity()} failed${retryCount > 0 ? ` after ${retryCount} retries` : ''}; ` +
            `nacked without requeue (dead-lettered if the queue has a DLX): ${cause}`;
          if (logged) this.logger.warn?.(line);
          else this.logger.error(line);
        }
        this.trySettle(delivery, identity, () => delivery.nack(false));
        return;
      case 'retry':
        this.logger.warn?.(
          `handler of ${identity()} failed; retry ${action.attempt} of ${this.metadata.options.retry?.attempts ?? 0} ` +
            `in ${action.delayMs} ms: ${cause}`,
        );
        await retryDelay(action.delayMs, this.shutdown);
        if (delivery.state === 'lost') {
          // The broker redelivers the original; a copy as well would run the message twice.
          this.logger.warn?.(`retry of ${identity()} not republished (its channel was lost during the delay): the broker redelivers it`);
          return;
        }
        try {
          await republishForRetry(channel, queue, message, action.attempt);
        } catch (error) {
          if (!channel.isOpen) {
            this.logger.warn?.(`retry of ${identity()} not republished (channel closed): the broker redelivers it`);
            return;
          }
          this.logger.error(`retry of ${identity()} could not be republished, dead-lettering it: ${describeError(error)}`);
          this.trySettle(delivery, identity, () => delivery.nack(false));
          return;
        }
        telemetry?.retried(queue);
        this.trySettle(delivery, identity, () => delivery.ack());
        return;
    }
  }

  private trySettle(delivery: Delivery, identity: () => string, settle: () => void): void {
    try {
      settle();
    } catch (error) {
      if (error instanceof StaleDeliveryError) {
        this.logger.warn?.(`${identity()}: ${error.message}`);
        return;
      }
      this.logger.error(`settling ${identity()} failed: ${describeError(error)}`);
    }
  }
}
