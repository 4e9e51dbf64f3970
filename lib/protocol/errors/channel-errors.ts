/**
 * The channel's errors: closed, an operation its state does not allow, a synchronous method
 * without a reply, a message too large to take in.
 */
import { AMQPError, type CloseInitiator, type CloseReason, InvalidStateError, TimeoutError } from './base.js';
import type { BodyTooLargeError } from './frame-errors.js';

/** A channel was closed by the broker (404, 406, 403 ...) or by us, or went with its connection. */
export class ChannelClosedError extends AMQPError {
  readonly replyCode: number;
  readonly replyText: string;
  readonly classId: number;
  readonly methodId: number;
  readonly initiator: CloseInitiator;
  readonly channel: number;
  constructor(channel: number, reason: CloseReason, message?: string) {
    super(
      message ?? `channel ${channel} closed by ${reason.initiator}: ${reason.replyCode} ${reason.replyText}`,
      'ERR_AMQP_CHANNEL_CLOSED',
    );
    this.channel = channel;
    this.replyCode = reason.replyCode;
    this.replyText = reason.replyText;
    this.classId = reason.classId ?? 0;
    this.methodId = reason.methodId ?? 0;
    this.initiator = reason.initiator;
  }
}

/** A channel operation or event that its current state does not allow; names the channel, the method and the state. */
export class ChannelStateError extends InvalidStateError {
  readonly channel: number;
  /** The operation or event at fault, e.g. `basic.publish`, `close-ok`. */
  readonly method: string;
  constructor(channel: number, method: string, state: string) {
    super(`channel ${channel}: ${method} is not allowed`, state);
    this.channel = channel;
    this.method = method;
  }
}

/**
 * A synchronous method (channel.open, channel.close, queue.declare ...) got no reply within
 * `rpcTimeout`. Its channel cannot tell a late reply from the next one any more, so it is closed
 * (channel.close sent, its number kept out of use until the broker's close-ok).
 */
export class RpcTimeoutError extends TimeoutError {
  /** The method that got no reply, e.g. `channel.open`. */
  readonly method: string;
  readonly channel: number;
  constructor(method: string, channel: number, timeoutMs: number) {
    super(`no reply to ${method} on channel ${channel} within ${timeoutMs / 1000} s (rpc_timeout)`, timeoutMs, 'ERR_AMQP_RPC_TIMEOUT');
    this.method = method;
    this.channel = channel;
  }
}

/** What became of a message whose body was too large to take in (see {@link OversizeMessageError}). */
export type OversizeOutcome = 'rejected' | 'dropped' | 'unsettled' | 'returned' | 'delivered';

/**
 * A message whose body was over `maxBodySize`: its body streamed past without being stored and the
 * connection went on. `outcome` says what became of it: `rejected` without requeue (dead-lettered
 * when its queue has a dead-letter exchange), `dropped` (an autoAck consumer: the broker had already
 * let it go), `unsettled` (a basic.get, or a delivery to no known consumer: settle it by
 * `deliveryTag`), `returned` (a basic.return of a message this side published) or `delivered` (to a
 * consumer started with `oversize: 'deliver'`, which settles it).
 */
export class OversizeMessageError extends AMQPError {
  readonly bodySize: number;
  readonly maxBodySize: number;
  readonly channel: number;
  /** basic.deliver, basic.get-ok or basic.return. */
  readonly method: string;
  readonly deliveryTag: number | undefined;
  readonly consumerTag: string | undefined;
  readonly messageId: string | undefined;
  readonly outcome: OversizeOutcome;
  constructor(
    tooLarge: BodyTooLargeError,
    where: {
      channel: number;
      method: string;
      deliveryTag?: number;
      consumerTag?: string;
      messageId?: string;
      outcome: OversizeOutcome;
    },
  ) {
    const what = [
      where.method,
      where.deliveryTag === undefined ? '' : ` ${where.deliveryTag}`,
      where.consumerTag === undefined ? '' : ` for consumer "${where.consumerTag}"`,
      where.messageId === undefined ? '' : ` (message id "${where.messageId}")`,
      ` on channel ${where.channel}`,
    ].join('');
    const fate = {
      rejected: 'rejected without requeue (dead-lettered if its queue has a dead-letter exchange)',
      dropped: 'the consumer is in autoAck mode, so the broker has already dropped it',
      unsettled: 'it is still unacknowledged: ack, nack or reject it by its delivery tag',
      returned: 'it was a returned message',
      delivered: 'handed to its consumer unsettled, with an empty body',
    }[where.outcome];
    super(
      `${what}: body of ${tooLarge.bodySize} bytes exceeds maxBodySize ${tooLarge.maxBodySize}; skipped unread, ${fate}`,
      'ERR_AMQP_OVERSIZE_MESSAGE',
      { cause: tooLarge },
    );
    this.bodySize = tooLarge.bodySize;
    this.maxBodySize = tooLarge.maxBodySize;
    this.channel = where.channel;
    this.method = where.method;
    this.deliveryTag = where.deliveryTag;
    this.consumerTag = where.consumerTag;
    this.messageId = where.messageId;
    this.outcome = where.outcome;
  }
}
