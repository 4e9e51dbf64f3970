import type { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { StaleDeliveryError } from '../../protocol/errors.js';
import { AmqpContext, type AmqpMessage } from '../core/amqp.context.js';
import { isStreamConsumer } from '../options/consumer-pipeline.validate.js';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { AckMode } from '../options/queue-consumer.options.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { asExactEventPacket } from '../publish/nest-envelope.js';
import { decodeBody } from '../publish/serialization.js';
import { decideAck, type HandlerResult } from './ack-policy.js';
import { bareConsumerPipeline, type ConsumerPipeline } from './consumer-pipeline.js';
import type { Delivery } from './delivery.js';
import { resolveErrorAction } from './failure/error-policy.js';
import { originalErrorOf } from '../decorators/handler-error-capture.js';
import { redeliveryCountOf } from './failure/redelivery-count.js';
import type { HandlerRunner } from './handler-invoker.js';
import { describeError, describeMessage, loggedByNest } from './message-identity.js';
import { retryDelay } from './retry-republisher.js';
import { retryQueueName } from '../options/retry-options.js';
import { sendErrorReply, sendReply } from './reply/consumer-reply.js';
import { RETRY_COUNT_HEADER, retryCountOf, streamOffsetOf } from '../core/message-headers.js';

/**
 * Serves one `@QueueConsumer`: decodes the body (JSON, text, or the raw Buffer), runs the handler
 * through Nest's pipeline, answers a request (a message with `replyTo`) with the handler's value,
 * then applies the ack policy; a failure follows the consumer's `onError` through the FailureRouter,
 * which logs where each failed message went. On a stream queue nothing is ever nacked.
 */
export class QueueConsumerDispatcher {
  private readonly mode: AckMode;
  private readonly replies: boolean;
  private readonly stream: boolean;
  private readonly pipeline: ConsumerPipeline;

  constructor(
    private readonly handler: MessageHandler,
    private readonly metadata: QueueConsumerMetadata,
    private readonly run: HandlerRunner,
    private readonly logger: LoggerService,
    /** Aborted at shutdown: pending retry delays end early. */
    private readonly shutdown: AbortSignal,
    pipeline?: ConsumerPipeline,
  ) {
    this.mode = metadata.options.ack ?? 'auto';
    this.replies = metadata.options.reply ?? true;
    this.stream = isStreamConsumer(metadata.options);
    this.pipeline = pipeline ?? bareConsumerPipeline(logger);
  }

  /** A {@link DeliveryHandler} for this consumer's runner. */
  readonly dispatch = async (
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
  ): Promise<void> => {
    const context = this.contextOf(message, delivery, channel);
    if (this.stream)
      return this.streamDelivery(context.data, context.context, message, delivery, channel, queue);
    const result = await this.run(this.handler, context.data, context.context);
    await this.settle(result, context.context, message, delivery, channel, queue);
  };

  /** The handler's data and context for one message (shared with the batch dispatcher). */
  contextOf(
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
  ): { data: unknown; context: AmqpContext } {
    let data = decodeBody(message.content, message.properties.contentType);
    let metadata: Record<string, string> | undefined;
    if (this.metadata.options.unwrapNestEnvelope === true) {
      const packet = asExactEventPacket(data);
      if (packet !== undefined) {
        data = packet.data;
        metadata = packet.metadata;
      }
    }
    return { data, context: new AmqpContext(message, channel, this.metadata.pattern, delivery, metadata) };
  }

  /**
   * A failed message follows `onError`. A request is answered with an error reply unless its message
   * goes back to the queue (it will be answered by a later attempt): each request gets one answer.
   */
  async fail(
    error: unknown,
    context: AmqpContext,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
    reason: string,
    errorLogged = false,
  ): Promise<void> {
    const original = originalErrorOf(context, error);
    const action = await resolveErrorAction(this.metadata.options.onError, original, context, this.logger);
    const retried =
      action === 'requeue' &&
      redeliveryCountOf(message.properties.headers) < this.pipeline.target.maxRedeliveries;
    if (!retried && this.wantsReply(message) && channel.isOpen) {
      await sendErrorReply(channel, message, error).catch((replyError: unknown) =>
        this.logger.error(
          `the error reply to ${describeMessage(message, queue)} failed: ${describeError(replyError)}`,
        ),
      );
    }
    const details = { reason, error: original, consumer: this.pipeline.consumer };
    await this.pipeline.failures.apply(action, this.pipeline.target, message, delivery, queue, details, errorLogged);
  }

  private wantsReply(message: AmqpMessage): boolean {
    const replyTo = message.properties.replyTo;
    return this.replies && replyTo !== undefined && replyTo !== '';
  }

  private async settle(
    result: HandlerResult,
    context: AmqpContext,
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
    if (result.ok && this.wantsReply(message) && delivery.state !== 'lost')
      await this.reply(channel, message, result.value, identity);
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
      case 'dead-letter': {
        const error = result.ok ? undefined : result.error;
        const reason = `handler failed${retryCount > 0 ? ` after ${retryCount} retries` : ''}: ${describeError(originalErrorOf(context, error))}`;
        await this.fail(error, context, message, delivery, channel, queue, reason, logged);
        return;
      }
      case 'retry': {
        const broker = this.metadata.options.retry?.via === 'broker';
        this.logger.warn?.(
          `handler of ${identity()} failed; retry ${action.attempt} of ${this.metadata.options.retry?.attempts ?? 0} ` +
            `in ${action.delayMs} ms${broker ? ` (waiting in retry queue "${retryQueueName(queue, action.ladderMs)}")` : ''}: ${cause}`,
        );
        if (broker) {
          await this.retryOnBroker(result.ok ? undefined : result.error, action.attempt, action.delayMs, action.ladderMs, context, message, delivery, channel, queue);
          return;
        }
        await retryDelay(action.delayMs, this.shutdown);
        if (delivery.state === 'lost') {
          // The broker redelivers the original; a copy as well would run the message twice.
          this.logger.warn?.(
            `retry of ${identity()} not republished (its channel was lost during the delay): the broker redelivers it`,
          );
          return;
        }
        const copy = await this.pipeline.failures.copyForRetry('', queue, message, { [RETRY_COUNT_HEADER]: action.attempt });
        if (copy.kind === 'copied') {
          this.trySettle(delivery, identity, () => delivery.ack('retried'));
          return;
        }
        // Lost with its channel during the publish: the broker redelivers the original.
        if (copy.kind === 'failed' && delivery.settled) {
          this.logger.warn?.(`retry of ${identity()} not republished (channel closed): the broker redelivers it`);
          return;
        }
        await this.fail(
          failure,
          context,
          message,
          delivery,
          channel,
          queue,
          `retry could not be republished (${describeError(copy.error)}); handler failed: ${describeError(originalErrorOf(context, failure))}`,
        );
        return;
      }
    }
  }

  /** The copy waits in the consumer's retry queue for its delay (no prefetch slot held), then comes back to `queue`. */
  private async retryOnBroker(
    failure: unknown,
    attempt: number,
    delayMs: number,
    ladderMs: number,
    context: AmqpContext,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
  ): Promise<void> {
    const retryQueue = retryQueueName(queue, ladderMs);
    const copy = await this.pipeline.failures.copyForRetry('', retryQueue, message, { [RETRY_COUNT_HEADER]: attempt }, String(delayMs));
    if (copy.kind === 'copied') {
      this.trySettle(delivery, () => describeMessage(message, queue), () => delivery.ack('retried'));
      return;
    }
    if (copy.kind === 'failed' && delivery.settled) return;
    const reason = `retry could not be put in "${retryQueue}" (${describeError(copy.error)}); handler failed: ${describeError(originalErrorOf(context, failure))}`;
    await this.fail(failure, context, message, delivery, channel, queue, reason);
  }

  private async reply(
    channel: AmqpChannel,
    message: AmqpMessage,
    value: unknown,
    identity: () => string,
  ): Promise<void> {
    try {
      await sendReply(channel, message, value);
    } catch (error) {
      // The handler succeeded: the message is still acked (or redelivered if the channel went); the caller times out.
      this.logger.error(`the reply to ${identity()} could not be sent: ${describeError(error)}`);
    }
  }

  /** A stream never sees a nack or reject (the broker would close the whole connection): a failure is logged, acked, and skipped or stops the consumer. */
  private async streamDelivery(
    data: unknown,
    context: AmqpContext,
    message: AmqpMessage,
    delivery: Delivery,
    channel: AmqpChannel,
    queue: string,
  ): Promise<void> {
    const tracker = this.pipeline.streamTracker;
    const offset = streamOffsetOf(message.properties.headers);
    if (tracker !== undefined && offset !== undefined) tracker.started(offset);
    const result = await this.run(this.handler, data, context);
    const identity = (): string =>
      `${describeMessage(message, queue)}${offset === undefined ? '' : `, offset ${offset}`}`;
    if (result.ok && this.wantsReply(message) && delivery.state !== 'lost')
      await this.reply(channel, message, result.value, identity);
    if (!delivery.settled && (this.mode === 'auto' || !result.ok))
      this.trySettle(delivery, identity, () => delivery.ack());
    if (tracker !== undefined && offset !== undefined) tracker.finished(offset);
    if (result.ok) return;
    const stop = this.metadata.options.stream?.onError === 'stop';
    this.logger.error(
      `handler of stream ${identity()} failed: ${describeError(result.error)}; ` +
        (stop
          ? "acked; stopping this consumer (stream.onError: 'stop')"
          : "acked and skipped: the message stays in the stream (stream.onError: 'continue')"),
    );
    if (stop && channel.isOpen) {
      await channel.basicCancel(message.fields.consumerTag).catch((error: unknown) => {
        this.logger.error(`stopping the stream consumer of ${identity()} failed: ${describeError(error)}`);
      });
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
