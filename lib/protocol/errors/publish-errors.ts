/**
 * What can become of a publish or a request: nacked by the broker, returned unroutable, no reply
 * in time.
 */
import { AMQPError, TimeoutError } from './base.js';

/** The broker nacked a publish in confirm mode. */
export class PublishNackedError extends AMQPError {
  readonly deliveryTag: number;
  constructor(deliveryTag: number) {
    super(`the broker nacked publish ${deliveryTag}`, 'ERR_AMQP_PUBLISH_NACKED');
    this.deliveryTag = deliveryTag;
  }
}

/** A mandatory publish the broker could not route and sent back (basic.return, e.g. 312 NO_ROUTE). */
export class MessageReturnedError extends AMQPError {
  readonly replyCode: number;
  readonly replyText: string;
  readonly exchange: string;
  readonly routingKey: string;
  constructor(replyCode: number, replyText: string, exchange: string, routingKey: string) {
    super(
      `the broker returned the message sent to exchange "${exchange}" with routing key "${routingKey}": ${replyCode} ${replyText}`,
      'ERR_AMQP_MESSAGE_RETURNED',
    );
    this.replyCode = replyCode;
    this.replyText = replyText;
    this.exchange = exchange;
    this.routingKey = routingKey;
  }
}

/** An RPC (Nest `send`, AmqpPublisher `request`) got no reply within its timeout. */
export class RequestTimeoutError extends TimeoutError {
  /** The pattern (or routing key) of the request. */
  readonly pattern: string;
  readonly correlationId: string;
  constructor(pattern: string, correlationId: string, timeoutMs: number) {
    super(`no reply to "${pattern}" (correlationId ${correlationId}) within ${timeoutMs} ms`, timeoutMs, 'ERR_AMQP_REQUEST_TIMEOUT');
    this.pattern = pattern;
    this.correlationId = correlationId;
  }
}
