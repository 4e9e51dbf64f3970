import type { LoggerService } from '@nestjs/common';
import { StaleDeliveryError } from '../../../protocol/errors.js';
import type { FieldTable } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import type { ConsumerErrorAction } from '../../options/consumer-pipeline.options.js';
import type { ConfirmPublisher } from '../../publish/confirm-publisher.js';
import { fullProperties } from '../../core/full-properties.js';
import type { Delivery } from '../delivery.js';
import { describeError, describeMessage } from '../message-identity.js';
import type { FailureTarget } from './failure-target.js';
import { reasonKind, RepeatedLines } from '../../logging/repeated-lines.js';
import { redeliveryCountOf } from './redelivery-count.js';
import { FAILED_QUEUE_HEADER, FAILURE_REASON_HEADER, ORIGINAL_EXCHANGE_HEADER, ORIGINAL_ROUTING_KEY_HEADER, REDELIVERY_COUNT_HEADER } from '../../core/message-headers.js';


/**
 * Carries out what a consumer's error policy decided for a failed message, and logs one line per
 * message saying where it went: the DLX, our dead-letter queue, back to the queue (with its count),
 * acked, or (only when opted out of a dead-letter queue) dropped.
 *
 * A copy (to the dead-letter queue, or a counted requeue) goes through a confirm channel and the
 * original is acked only once the broker confirmed it: a crash in between duplicates, never loses.
 * When the copy cannot be published the original stays unacked (it returns to the queue when its
 * channel closes): no drop, and no hot loop either.
 */
export class FailureRouter {
  constructor(
    /** The server's confirm channel, opened on first use. */
    private readonly publisher: () => ConfirmPublisher,
    private readonly logger: LoggerService,
  ) {}

  /** A producer can fail every message the same way: lines of one kind are rate-limited with a count. */
  private readonly repeated = new RepeatedLines();
  private readonly error = (line: string): void => this.logger.error(line);
  private readonly warn = (line: string): void =>
    this.logger.warn === undefined ? this.logger.error(line) : this.logger.warn(line);

  /**
   * Applies `action` to a failed delivery; `reason` says what failed. Never rejects. `errorLogged`:
   * Nest's exception filter already logged the error with its stack, so the message's fate is a
   * warning (one failure, one ERROR line).
   */
  async apply(
    action: ConsumerErrorAction,
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    reason: string,
    errorLogged = false,
  ): Promise<void> {
    const identity = describeMessage(message, queue);
    const write = errorLogged ? this.warn : this.error;
    const kind = `${queue}|${action}|${String(errorLogged)}|${reasonKind(reason)}`;
    const say = (line: string): void => this.repeated.say(kind, line, write);
    if (delivery.autoAcked) {
      say(`${identity}: ${reason}; the broker already forgot it (ack: 'none' / noAck)`);
      return;
    }
    if (delivery.settled) {
      say(
        `${identity}: ${reason}; already ${delivery.state === 'lost' ? 'lost with its channel: the broker redelivers it' : delivery.state}`,
      );
      return;
    }
    if (action === 'ack') {
      say(`${identity}: ${reason}; acked and discarded (onError: 'ack')`);
      this.settle(delivery, identity, () => delivery.ack());
      return;
    }
    if (action === 'requeue') {
      const count = redeliveryCountOf(message.properties.headers);
      if (count < target.maxRedeliveries) {
        await this.requeue(target, message, delivery, queue, identity, reason, count, say);
        return;
      }
      reason = `${reason}; redelivered ${count} times (maxRedeliveries ${target.maxRedeliveries})`;
    }
    await this.deadLetter(target, message, delivery, queue, identity, reason, say);
  }

  private async requeue(
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    identity: string,
    reason: string,
    count: number,
    say: (line: string) => void,
  ): Promise<void> {
    const which = `redelivery ${count + 1} of ${target.maxRedeliveries}`;
    if (target.quorum) {
      say(`${identity}: ${reason}; requeued (${which}, counted by the broker in x-delivery-count)`);
      this.settle(delivery, identity, () => delivery.nack(true));
      return;
    }
    const headers: FieldTable = { ...message.properties.headers, [REDELIVERY_COUNT_HEADER]: count + 1 };
    if (await this.copy('', queue, message, headers, delivery, identity, reason)) {
      say(
        `${identity}: ${reason}; requeued at the tail of queue "${queue}" (${which}, ${REDELIVERY_COUNT_HEADER})`,
      );
      this.settle(delivery, identity, () => delivery.ack());
    }
  }

  private async deadLetter(
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    identity: string,
    reason: string,
    say: (line: string) => void,
  ): Promise<void> {
    if (target.deadLetterExchange !== undefined) {
      const dlx =
        target.deadLetterExchange === '' ? 'the default exchange' : `exchange "${target.deadLetterExchange}"`;
      say(`${identity}: ${reason}; nacked, dead-lettered through the queue's DLX (${dlx})`);
      this.settle(delivery, identity, () => delivery.nack(false));
      return;
    }
    const dlq = target.deadLetterQueue;
    if (dlq === undefined) {
      say(
        `${identity}: ${reason}; nacked without requeue: DROPPED unless a broker policy gives queue "${queue}" a DLX (no deadLetterQueue)`,
      );
      this.settle(delivery, identity, () => delivery.nack(false));
      return;
    }
    const headers: FieldTable = {
      ...message.properties.headers,
      [FAILED_QUEUE_HEADER]: queue,
      [FAILURE_REASON_HEADER]: reason.slice(0, 1000),
    };
    if (await this.copy('', dlq, message, headers, delivery, identity, reason)) {
      say(
        `${identity}: ${reason}; moved to dead-letter queue "${dlq}" (acked once the broker confirmed the copy)`,
      );
      this.settle(delivery, identity, () => delivery.ack());
    }
  }

  /** Publishes a confirmed copy; false (logged, original kept unacked) when that failed. */
  private async copy(
    exchange: string,
    routingKey: string,
    message: AmqpMessage,
    headers: FieldTable,
    delivery: Delivery,
    identity: string,
    reason: string,
  ): Promise<boolean> {
    if (headers[ORIGINAL_EXCHANGE_HEADER] === undefined)
      headers[ORIGINAL_EXCHANGE_HEADER] = message.fields.exchange;
    if (headers[ORIGINAL_ROUTING_KEY_HEADER] === undefined)
      headers[ORIGINAL_ROUTING_KEY_HEADER] = message.fields.routingKey;
    const properties = fullProperties(message.properties);
    properties.headers = headers;
    try {
      await this.publisher().publish(exchange, routingKey, message.content, properties, true);
      return true;
    } catch (error) {
      const where =
        delivery.state === 'lost'
          ? 'its channel closed: the broker redelivers it'
          : 'kept unacked until its channel closes (then redelivered)';
      this.logger.error(
        `${identity}: ${reason}; could not be copied to queue "${routingKey}" (${describeError(error)}): ${where}`,
      );
      return false;
    }
  }

  private settle(delivery: Delivery, identity: string, settle: () => void): void {
    try {
      settle();
    } catch (error) {
      if (error instanceof StaleDeliveryError) this.logger.warn?.(`${identity}: ${error.message}`);
      else this.logger.error(`settling ${identity} failed: ${describeError(error)}`);
    }
  }
}
