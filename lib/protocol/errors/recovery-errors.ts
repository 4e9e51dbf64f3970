/**
 * Automatic recovery's errors: a stale delivery tag, a publish the buffer or the outage budget
 * refused, recovery given up.
 */
import { AMQPError, InvalidStateError } from './base.js';
import { ConnectionClosedError } from './connection-errors.js';

/**
 * An ack, nack or reject for a delivery that came on a channel which has since died: the broker has
 * already requeued that message, and the tag means nothing (or another message) on the recovered channel.
 */
export class StaleDeliveryError extends InvalidStateError {
  readonly deliveryTag: number;
  constructor(deliveryTag: number, reason: string) {
    super(`delivery ${deliveryTag} belongs to a channel that was lost: ${reason}`, 'STALE');
    (this as { code: string }).code = 'ERR_AMQP_STALE_DELIVERY';
    this.deliveryTag = deliveryTag;
  }
}

/** A basicPublish made while the connection is recovering with the publish buffer off (its bounds are OutageBudgetError's). */
export class PublishBufferFullError extends AMQPError {
  /** Messages and bytes held when the publish was refused, and the bounds (undefined = no bound). */
  readonly bufferedMessages: number;
  readonly bufferedBytes: number;
  readonly maxMessages: number | undefined;
  readonly maxBytes: number | undefined;
  constructor(held: { messages: number; bytes: number }, bounds: { maxMessages?: number; maxBytes?: number }) {
    const limits = [
      bounds.maxMessages === undefined ? undefined : `${bounds.maxMessages} messages`,
      bounds.maxBytes === undefined ? undefined : `${bounds.maxBytes} bytes`,
    ].filter((limit) => limit !== undefined);
    super(
      limits.length === 0
        ? 'the connection is recovering and publishes are not buffered (publishBuffer is off)'
        : `the connection is recovering and the publish buffer is full (${held.messages} messages, ${held.bytes} bytes held; bound ${limits.join(' / ')})`,
      'ERR_AMQP_PUBLISH_BUFFER_FULL',
    );
    this.bufferedMessages = held.messages;
    this.bufferedBytes = held.bytes;
    this.maxMessages = bounds.maxMessages;
    this.maxBytes = bounds.maxBytes;
  }
}

/** Which bound of the outage budget refused or ended a wait (see {@link OutageBudgetError}). */
export type OutageBound = 'bytes' | 'messages' | 'deadline';

/**
 * A publish (or request) made while the connection was down, refused by the outage budget: holding
 * it would pass `recovery.outage.maxBytes` or `maxMessages`, or it waited `deadlineMs` and the
 * connection was still not back. It was not sent. `bound` says which limit it met.
 */
export class OutageBudgetError extends AMQPError {
  readonly bound: OutageBound;
  /**
   * Messages and bytes the budget counted when it refused (for `deadline`: when this one expired):
   * what waits, and what was written and is kept until its confirm for a re-send.
   */
  readonly heldMessages: number;
  readonly heldBytes: number;
  /** Size of the refused message's body. */
  readonly bytes: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly deadlineMs: number;
  constructor(
    bound: OutageBound,
    held: { messages: number; bytes: number },
    bytes: number,
    limits: { maxMessages: number; maxBytes: number; deadlineMs: number },
  ) {
    const why = {
      bytes: `${held.bytes} bytes are held (waiting, or written and kept until confirmed) and this ${bytes}-byte message would pass recovery.outage.maxBytes (${limits.maxBytes})`,
      messages: `${held.messages} messages are held (waiting, or written and kept until confirmed), the most recovery.outage.maxMessages allows`,
      deadline: `it waited recovery.outage.deadlineMs (${limits.deadlineMs} ms) and the connection is still not back`,
    }[bound];
    super(`the connection is down or congested and the message was not sent: ${why}`, 'ERR_AMQP_OUTAGE_BUDGET');
    this.bound = bound;
    this.heldMessages = held.messages;
    this.heldBytes = held.bytes;
    this.bytes = bytes;
    this.maxMessages = limits.maxMessages;
    this.maxBytes = limits.maxBytes;
    this.deadlineMs = limits.deadlineMs;
  }
}

/** Automatic recovery gave up: every attempt failed, or the broker refused the login (final). */
export class RecoveryFailedError extends ConnectionClosedError {
  /** Reconnection attempts made. */
  readonly attempts: number;
  constructor(attempts: number, lastError: unknown) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(
      { replyCode: 320, replyText: `recovery failed after ${attempts} attempt(s): ${last}`, initiator: 'client' },
      undefined,
      'ERR_AMQP_RECOVERY_FAILED',
    );
    this.attempts = attempts;
    (this as { cause?: unknown }).cause = lastError;
  }
}
