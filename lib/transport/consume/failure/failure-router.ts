import type { LoggerService } from '@nestjs/common';
import { StaleDeliveryError } from '../../../protocol/errors.js';
import type { FieldTable } from '../../../protocol/index.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import { REDELIVERY_COUNT_HEADER } from '../../core/message-headers.js';
import type { ConsumerErrorAction } from '../../options/consumer-pipeline.options.js';
import type { ConfirmPublisher } from '../../publish/confirm-publisher.js';
import type { Delivery } from '../delivery.js';
import { describeError, describeMessage } from '../message-identity.js';
import { publishCopy, type CopyOutcome } from './copy-ladder.js';
import { failureHeaders, type FailureDetails } from './failure-headers.js';
import type { FailureTarget } from './failure-target.js';
import { reasonKind, RepeatedLines } from '../../logging/repeated-lines.js';
import { redeliveryCountOf } from './redelivery-count.js';

export type { FailureDetails } from './failure-headers.js';

/**
 * Carries out what a consumer's error policy decided for a failed message, and logs one line per
 * message saying where it went: the DLX, our dead-letter queue, back to the queue (with its count),
 * acked, or (only when opted out of a dead-letter queue) dropped.
 *
 * Every message gets a fate; none is left unacked on an open channel. A copy (to the dead-letter
 * queue, or a counted requeue) goes through a confirm channel and the original is acked only once the
 * broker confirmed it: a crash in between duplicates, never loses. A copy the broker or the encoder
 * refuses is made again reduced (see copy-ladder); a requeue copy refused even so is dead-lettered
 * instead, a dead-letter copy refused even so is nacked to the broker's own dead-lettering. When the
 * copy failed for a passing reason (connection down) the original is requeued by the broker.
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
   * Applies `action` to a failed delivery; `failure` says what failed (a string: the reason alone).
   * Never rejects. `errorLogged`: Nest's exception filter already logged the error with its stack, so
   * the message's fate is a warning (one failure, one ERROR line).
   */
  async apply(
    action: ConsumerErrorAction,
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    failure: string | FailureDetails,
    errorLogged = false,
  ): Promise<void> {
    let details: FailureDetails = typeof failure === 'string' ? { reason: failure } : failure;
    const identity = describeMessage(message, queue);
    const write = errorLogged ? this.warn : this.error;
    const reason = details.reason;
    const kind = `${queue}|${action}|${String(errorLogged)}|${reasonKind(reason)}`;
    const say = (line: string): void => this.repeated.say(kind, line, write);
    if (delivery.autoAcked) {
      say(`${identity}: ${reason}; the broker already forgot it (ack: 'none' / noAck)`);
      return;
    }
    if (delivery.settled) {
      say(`${identity}: ${reason}; already ${delivery.state === 'lost' ? 'lost with its channel: the broker redelivers it' : delivery.state}`);
      return;
    }
    if (action === 'ack') {
      say(`${identity}: ${reason}; acked and discarded (onError: 'ack')`);
      this.settle(delivery, identity, () => delivery.ack('dropped'));
      return;
    }
    if (action === 'requeue') {
      const count = redeliveryCountOf(message.properties.headers);
      if (count < target.maxRedeliveries) {
        if (await this.requeue(target, message, delivery, queue, identity, details, count, say)) return;
      } else {
        details = { ...details, reason: `${reason}; redelivered ${count} times (maxRedeliveries ${target.maxRedeliveries})` };
      }
    }
    await this.deadLetter(target, message, delivery, queue, identity, details, say);
  }

  /**
   * A retry copy of `message` with `headers` added (the retry count), confirmed before the caller
   * acks the original; reduced when refused as it is. Never rejects.
   */
  copyForRetry(exchange: string, routingKey: string, message: AmqpMessage, headers: FieldTable, expiration?: string): Promise<CopyOutcome> {
    return publishCopy(this.publisher, exchange, routingKey, message, headers, expiration);
  }

  /** False when the requeue copy was refused: the caller dead-letters the message instead. */
  private async requeue(
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    identity: string,
    details: FailureDetails,
    count: number,
    say: (line: string) => void,
  ): Promise<boolean> {
    const which = `redelivery ${count + 1} of ${target.maxRedeliveries}`;
    if (target.quorum) {
      say(`${identity}: ${details.reason}; requeued (${which}, counted by the broker in x-delivery-count)`);
      this.settle(delivery, identity, () => delivery.nack(true));
      return true;
    }
    const outcome = await publishCopy(this.publisher, '', queue, message, { [REDELIVERY_COUNT_HEADER]: count + 1 });
    if (outcome.kind === 'refused') {
      this.error(`${identity}: the requeue copy was refused (${describeError(outcome.error)}): dead-lettering it instead`);
      return false;
    }
    if (outcome.kind === 'failed') {
      this.afterPassingFailure(delivery, identity, details.reason, queue, outcome.error);
      return true;
    }
    say(`${identity}: ${details.reason}; requeued at the tail of queue "${queue}" (${which}, ${REDELIVERY_COUNT_HEADER}${dropNote(outcome.dropped)})`);
    this.settle(delivery, identity, () => delivery.ack('requeued'));
    return true;
  }

  private async deadLetter(
    target: FailureTarget,
    message: AmqpMessage,
    delivery: Delivery,
    queue: string,
    identity: string,
    details: FailureDetails,
    say: (line: string) => void,
  ): Promise<void> {
    const reason = details.reason;
    if (target.deadLetterExchange !== undefined) {
      const dlx = target.deadLetterExchange === '' ? 'the default exchange' : `exchange "${target.deadLetterExchange}"`;
      say(`${identity}: ${reason}; nacked, dead-lettered through the queue's DLX (${dlx})`);
      this.settle(delivery, identity, () => delivery.nack(false, 'dead-lettered'));
      return;
    }
    const dlq = target.deadLetterQueue;
    if (dlq === undefined) {
      say(`${identity}: ${reason}; nacked without requeue: DROPPED unless a broker policy gives queue "${queue}" a DLX (no deadLetterQueue)`);
      this.settle(delivery, identity, () => delivery.nack(false, 'dropped'));
      return;
    }
    const outcome = await publishCopy(this.publisher, '', dlq, message, failureHeaders(message, queue, details));
    if (outcome.kind === 'failed') {
      this.afterPassingFailure(delivery, identity, reason, dlq, outcome.error);
      return;
    }
    if (outcome.kind === 'refused') {
      this.error(
        `${identity}: ${reason}; the broker refused even a reduced copy to dead-letter queue "${dlq}" (${describeError(outcome.error)}): ` +
          `nacked without requeue, DROPPED unless a broker policy gives queue "${queue}" a DLX`,
      );
      this.settle(delivery, identity, () => delivery.nack(false, 'dropped'));
      return;
    }
    say(`${identity}: ${reason}; moved to dead-letter queue "${dlq}" (acked once the broker confirmed the copy${dropNote(outcome.dropped)})`);
    this.settle(delivery, identity, () => delivery.ack('dead-lettered'));
  }

  /** The copy failed for a passing reason (connection down, outage budget): the broker keeps the message. */
  private afterPassingFailure(delivery: Delivery, identity: string, reason: string, where: string, error: unknown): void {
    if (delivery.state === 'lost') {
      this.logger.error(`${identity}: ${reason}; could not be copied to queue "${where}" (${describeError(error)}): its channel closed, the broker redelivers it`);
      return;
    }
    this.logger.error(`${identity}: ${reason}; could not be copied to queue "${where}" (${describeError(error)}): requeued by the broker, to be tried again`);
    this.settle(delivery, identity, () => delivery.nack(true));
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

function dropNote(dropped: string | undefined): string {
  return dropped === undefined ? '' : `; reduced: ${dropped} left out, named in x-dropped-properties`;
}
