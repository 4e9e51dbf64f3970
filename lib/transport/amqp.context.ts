import { BaseRpcContext } from '@nestjs/microservices';
import type { BasicDeliver, BasicProperties, FieldTable } from '../protocol/index.js';
import { retryCountOf } from './server/ack-policy.js';
import type { Delivery } from './server/delivery.js';
import { streamOffsetOf } from './server/stream/stream-offset-tracker.js';
import type { AmqpChannel } from './shared/connection-host.js';

/** A delivered message in the shape Nest's RMQ users know (amqplib's): body, delivery fields, properties. */
export interface AmqpMessage {
  readonly content: Buffer;
  /** basic.deliver: consumerTag, deliveryTag, redelivered, exchange, routingKey. */
  readonly fields: BasicDeliver;
  readonly properties: BasicProperties;
}

/** The header that counts retries of a message republished by the retry policy. */
export const RETRY_COUNT_HEADER = 'x-retry-count';

type AmqpContextArgs = [message: AmqpMessage, channel: AmqpChannel, pattern: string];

/**
 * What `@Ctx()` gives a handler served by ServerAMQP: the message with its properties and headers,
 * the channel it came on, the pattern, and — with `ack: 'manual'` — `ack() / nack() / reject()`.
 *
 * The settle methods act on the channel the message came on, once: a second call, or a call after
 * that channel closed (the broker then redelivers the message), throws a typed error instead of
 * acking a different delivery.
 */
export class AmqpContext extends BaseRpcContext<AmqpContextArgs> {
  constructor(
    message: AmqpMessage,
    channel: AmqpChannel,
    pattern: string,
    private readonly delivery: Delivery,
    private readonly metadata?: Readonly<Record<string, string>>,
  ) {
    super([message, channel, pattern]);
  }

  /** The metadata a Nest 12 client attached to the packet (trace id, tenant ...), if any. */
  getMetadata(): Readonly<Record<string, string>> | undefined {
    return this.metadata;
  }

  /** The message: `content`, `fields`, `properties` (as RmqContext's `getMessage()`). */
  getMessage(): AmqpMessage {
    return this.args[0];
  }

  /** The engine channel the message arrived on (as RmqContext's `getChannelRef()`). */
  getChannelRef(): AmqpChannel {
    return this.args[1];
  }

  /** The pattern the message was routed by (as RmqContext's `getPattern()`). */
  getPattern(): string {
    return this.args[2];
  }

  get message(): AmqpMessage {
    return this.args[0];
  }

  get channel(): AmqpChannel {
    return this.args[1];
  }

  get pattern(): string {
    return this.args[2];
  }

  get properties(): BasicProperties {
    return this.args[0].properties;
  }

  /** The message's headers (an empty table when it has none). */
  get headers(): FieldTable {
    return this.args[0].properties.headers ?? {};
  }

  get fields(): BasicDeliver {
    return this.args[0].fields;
  }

  /** True when the broker delivered this message before (to this or another consumer) without an ack. */
  get redelivered(): boolean {
    return this.args[0].fields.redelivered;
  }

  /** How many times the retry policy has republished this message (0 for a first delivery). */
  get retryCount(): number {
    return retryCountOf(this.headers[RETRY_COUNT_HEADER]);
  }

  /** The message's offset in a stream queue (`x-stream-offset`), or undefined for other queues. */
  get streamOffset(): number | undefined {
    return streamOffsetOf(this.args[0].properties.headers);
  }

  /** True once the message was acked, nacked or rejected (by the handler or by the server). */
  get isSettled(): boolean {
    return this.delivery.settled;
  }

  /** Acknowledges the message: the broker forgets it. */
  ack(): void {
    this.delivery.ack();
  }

  /** Negative acknowledgement; without requeue (the default) the message is dead-lettered or dropped. */
  nack(options: { requeue?: boolean } = {}): void {
    this.delivery.nack(options.requeue ?? false);
  }

  /** basic.reject; without requeue (the default) the message is dead-lettered or dropped. */
  reject(requeue = false): void {
    this.delivery.reject(requeue);
  }
}
