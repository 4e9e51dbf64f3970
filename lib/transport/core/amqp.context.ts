import { BaseRpcContext } from '@nestjs/microservices';
import { InvalidArgumentError } from '../../protocol/errors.js';
import type { BasicDeliver, BasicProperties, FieldTable } from '../../protocol/index.js';
import { RETRY_COUNT_HEADER, retryCountOf, streamOffsetOf } from './message-headers.js';
import type { DeliverySettlement } from './settlement.js';
import type { AmqpChannel } from './connection-types.js';

/** A delivered message in the shape Nest's RMQ users know (amqplib's): body, delivery fields, properties. */
export interface AmqpMessage {
  readonly content: Buffer;
  /** basic.deliver: consumerTag, deliveryTag, redelivered, exchange, routingKey. */
  readonly fields: BasicDeliver;
  readonly properties: BasicProperties;
}

type AmqpContextArgs = [message: AmqpMessage, channel: AmqpChannel, pattern: string];

/**
 * amqplib's settle methods, as Nest's docs call them on `context.getChannelRef()`:
 * `channel.ack(context.getMessage())`. They settle the context's delivery (once, on the channel it
 * came on), so the server does not ack it a second time after the handler.
 */
export interface AmqplibSettleMethods {
  /** basic.ack of `message`. `allUpTo` (ack every earlier delivery too) is refused: other handlers own those. */
  ack(message: AmqpMessage, allUpTo?: boolean): void;
  /** basic.nack, requeued by default as in amqplib. */
  nack(message: AmqpMessage, allUpTo?: boolean, requeue?: boolean): void;
  /** basic.reject, requeued by default as in amqplib. */
  reject(message: AmqpMessage, requeue?: boolean): void;
}

/** What `getChannelRef()` gives: the engine channel, plus amqplib's `ack` / `nack` / `reject` for the context's message. */
export type AmqpChannelRef = AmqpChannel & AmqplibSettleMethods;

/**
 * What `@Ctx()` gives a handler served by ServerAMQP: the message with its properties and headers,
 * the channel it came on, the pattern, and — with `ack: 'manual'` — `ack() / nack() / reject()`.
 *
 * The settle methods act on the channel the message came on, once: a second call, or a call after
 * that channel closed (the broker then redelivers the message), throws a typed error instead of
 * acking a different delivery.
 */
export class AmqpContext extends BaseRpcContext<AmqpContextArgs> {
  /** Made on the first getChannelRef() call only: nothing per message otherwise. */
  private channelRef: AmqpChannelRef | undefined;

  constructor(
    message: AmqpMessage,
    channel: AmqpChannel,
    pattern: string,
    private readonly delivery: DeliverySettlement,
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

  /**
   * The channel the message arrived on (as RmqContext's `getChannelRef()`): the engine channel's
   * methods, plus amqplib's `ack(message)`, `nack(message, allUpTo, requeue)` and
   * `reject(message, requeue)` for this context's message, so Nest's documented manual ack
   * (`context.getChannelRef().ack(context.getMessage())`) runs unchanged.
   */
  getChannelRef(): AmqpChannelRef {
    this.channelRef ??= channelRefOf(this.args[1], this);
    return this.channelRef;
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

/** The channel with amqplib's settle methods over the context's delivery; every other property is the channel's. */
function channelRefOf(channel: AmqpChannel, context: AmqpContext): AmqpChannelRef {
  const own = (message: AmqpMessage, method: string): void => {
    if (message !== context.getMessage() && message?.fields?.deliveryTag !== context.fields.deliveryTag) {
      throw new InvalidArgumentError('message', `${method}: settle a message through the channel ref of its own context`);
    }
  };
  const methods: AmqplibSettleMethods = {
    ack(message, allUpTo = false) {
      own(message, 'ack');
      if (allUpTo) throw new InvalidArgumentError('allUpTo', 'ack: acking every earlier delivery would settle other handlers\' messages');
      context.ack();
    },
    nack(message, allUpTo = false, requeue = true) {
      own(message, 'nack');
      if (allUpTo) throw new InvalidArgumentError('allUpTo', 'nack: nacking every earlier delivery would settle other handlers\' messages');
      context.nack({ requeue });
    },
    reject(message, requeue = true) {
      own(message, 'reject');
      context.reject(requeue);
    },
  };
  return new Proxy(channel, {
    get(target, property) {
      if (property === 'ack' || property === 'nack' || property === 'reject') return methods[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as AmqpChannelRef;
}
