/**
 * The public Channel: the methods of basic, confirm and tx, on top of the exchange and queue methods
 * of channel-topology.ts. Each checks its arguments and the channel's state at the call (a typed
 * error before any byte), then either queues a synchronous method (one in flight at a time, see
 * rpc-queue.ts) or writes a frame.
 */
import {
  encodeBasicPublish,
  encodeBasicPublishVectored,
  encodeMethodFrame,
  VECTORED_COPY_THRESHOLD,
  type BasicProperties,
} from '../codec/index.js';
import type { Continuation } from '../continuation.js';
import { InvalidArgumentError, InvalidStateError } from '../errors.js';
import type {
  BasicConsumeOptions,
  BasicGetOptions,
  BasicNackOptions,
  BasicPublishOptions,
  BasicQosOptions,
  ChannelCloseCallbackOf,
  DeliveryCallbackOf,
  GetMessage,
  ReturnCallbackOf,
} from './channel-options.js';
import { ChannelTopology } from './channel-topology.js';
import { ConfirmTracker } from './confirm-tracker.js';
import { HeldPublish } from './outbound-entries.js';
import { checkDeliveryTag, checkName } from './validate.js';
import { basicQosArgs } from './declare-args.js';
import { diagnostics, type SettleDiagnostic } from '../diagnostics.js';
import { PUBLISH_WRITTEN } from './publish-written.js';

const noop = (): void => undefined;

/** A consumer: called for every basic.deliver of its consumer tag. */
export type DeliveryCallback = DeliveryCallbackOf<Channel>;
/** A mandatory publish the broker could not route. */
export type ReturnCallback = ReturnCallbackOf<Channel>;
/** The channel reached CLOSED; `error` says who closed it and why (a clean close is a 200 from 'client'). */
export type ChannelCloseCallback = ChannelCloseCallbackOf<Channel>;

/** An AMQP channel. Obtained from `connection.channel()`; never constructed by users. */
export class Channel extends ChannelTopology {
  /** Limits unacknowledged deliveries (prefetchCount 0..65535; prefetchSize must be 0 on RabbitMQ). */
  basicQos(o: BasicQosOptions, cb?: Continuation<void>): Promise<void> {
    this.assertOpen('basic.qos');
    return this.call('basic.qos', basicQosArgs(o), noop, cb);
  }

  /**
   * Starts a consumer; `onMessage(channel, method, properties, body)` runs for each delivery. Resolves
   * to the consumer tag (the broker's when none is given). The consumer is registered as the
   * consume-ok is read, so no delivery that follows it can be missed.
   */
  basicConsume(
    queue: string,
    onMessage: DeliveryCallback,
    o: BasicConsumeOptions = {},
    cb?: Continuation<string>,
  ): Promise<string> {
    this.assertOpen('basic.consume');
    checkName('queue', queue);
    if (typeof onMessage !== 'function') throw new InvalidArgumentError('onMessage', 'expected a function');
    const requested = checkName('consumerTag', o.consumerTag ?? '');
    if (requested !== '' && (this.consumers.has(requested) || this.pendingConsumerTags.has(requested))) {
      // The broker answers a duplicate tag with 530 on the whole connection.
      throw new InvalidArgumentError(
        'consumerTag',
        `"${requested}" is already in use on channel ${this.channelNumber}`,
      );
    }
    if (requested !== '') this.pendingConsumerTags.add(requested);
    return this.call(
      'basic.consume',
      {
        queue,
        consumerTag: requested,
        noAck: o.autoAck === true,
        exclusive: o.exclusive === true,
        arguments: o.arguments ?? {},
      },
      (m) => {
        const tag = (m.args as { consumerTag: string }).consumerTag;
        this.pendingConsumerTags.delete(requested);
        this.consumers.set(tag, onMessage);
        if (o.autoAck === true) this.autoAckConsumers.add(tag);
        else if (o.oversize === 'deliver') this.oversizeConsumers.add(tag);
        return tag;
      },
      cb,
    );
  }

  /** Cancels a consumer; deliveries already on the wire still reach it until the cancel-ok. */
  basicCancel(consumerTag: string, cb?: Continuation<void>): Promise<void> {
    this.assertOpen('basic.cancel');
    checkName('consumerTag', consumerTag);
    return this.call(
      'basic.cancel',
      { consumerTag },
      () => {
        this.consumers.delete(consumerTag);
        this.autoAckConsumers.delete(consumerTag);
        this.oversizeConsumers.delete(consumerTag);
      },
      cb,
    );
  }

  /**
   * Publishes a message. Without confirms, resolves once written to the socket without backpressure
   * (else when the outbound buffer drains); in confirm mode, on the broker's ack, rejecting with
   * PublishNackedError on a nack and ChannelClosedError / ConnectionClosedError on loss. Never left
   * pending; its rejections never count as unhandled. A body over 4 KiB is handed to the socket
   * without a copy, as node's own `socket.write` does: do not modify that Buffer after the call.
   */
  basicPublish(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    o?: BasicPublishOptions,
  ): Promise<void> {
    if (this.currentState !== 'OPEN') this.assertOpen('basic.publish');
    let content: Buffer;
    if (typeof body === 'string') content = Buffer.from(body, 'utf8');
    else if (Buffer.isBuffer(body)) content = body;
    else throw new InvalidArgumentError('body', 'expected a Buffer or a string');
    const mandatory = o?.mandatory === true;
    if (diagnostics.publish.hasSubscribers) {
      diagnostics.publish.publish({ channelNumber: this.channelNumber, exchange, routingKey, mandatory, properties, bodySize: content.length });
    }
    if (this.queue.idle && !this.queue.isPaused) {
      if (content.length <= VECTORED_COPY_THRESHOLD) {
        const frame = encodeBasicPublish(
          this.channelNumber,
          exchange,
          routingKey,
          mandatory,
          properties,
          content,
          this.link.frameMax,
        );
        return this.afterWrite(this.link.write(frame));
      }
      // A large body goes to the socket as it is (frame headers around subarrays, one writev per tick):
      // copying it would cost more than the socket write itself.
      const parts = encodeBasicPublishVectored(
        this.channelNumber,
        exchange,
        routingKey,
        mandatory,
        properties,
        content,
        this.link.frameMax,
      );
      let accepted = true;
      for (const part of parts) accepted = this.link.write(part) && accepted;
      return this.afterWrite(accepted);
    }
    const frame = encodeBasicPublish(
      this.channelNumber,
      exchange,
      routingKey,
      mandatory,
      properties,
      content,
      this.link.frameMax,
    );
    const held = new HeldPublish(frame, (accepted) => this.afterWrite(accepted));
    this.queue.push(held);
    return held.promise;
  }

  /** Fetches one message; resolves to null when the queue is empty. */
  basicGet(
    queue: string,
    o: BasicGetOptions = {},
    cb?: Continuation<GetMessage | null>,
  ): Promise<GetMessage | null> {
    this.assertOpen('basic.get');
    checkName('queue', queue);
    return this.call(
      'basic.get',
      { queue, noAck: o.autoAck === true },
      (m, properties, body) => {
        if (m.name !== 'basic.get-ok') return null;
        return { method: m.args, properties: properties ?? {}, body: body ?? Buffer.alloc(0) };
      },
      cb,
    );
  }

  /** Acknowledges delivery `deliveryTag` (and every earlier one with `multiple`). Throws unless OPEN. */
  basicAck(deliveryTag: number, multiple = false): void {
    if (this.currentState !== 'OPEN') this.assertOpen('basic.ack');
    checkDeliveryTag(deliveryTag, multiple, this.highestDeliveryTag);
    this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.ack', { deliveryTag, multiple }));
    if (diagnostics.settle.hasSubscribers) this.publishSettle('basic.ack', deliveryTag, multiple, false);
  }

  /** Rejects one or (`multiple`) several deliveries; `requeue` defaults to true. */
  basicNack(deliveryTag: number, o: BasicNackOptions = {}): void {
    this.assertOpen('basic.nack');
    const multiple = o.multiple === true;
    checkDeliveryTag(deliveryTag, multiple, this.highestDeliveryTag);
    this.sendAsync(
      encodeMethodFrame(this.channelNumber, 'basic.nack', {
        deliveryTag,
        multiple,
        requeue: o.requeue !== false,
      }),
    );
    if (diagnostics.settle.hasSubscribers) this.publishSettle('basic.nack', deliveryTag, multiple, o.requeue !== false);
  }

  /** Rejects one delivery; `requeue` defaults to true. */
  basicReject(deliveryTag: number, requeue = true): void {
    this.assertOpen('basic.reject');
    checkDeliveryTag(deliveryTag, false, this.highestDeliveryTag);
    this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.reject', { deliveryTag, requeue }));
    if (diagnostics.settle.hasSubscribers) this.publishSettle('basic.reject', deliveryTag, false, requeue);
  }

  private publishSettle(method: SettleDiagnostic['method'], deliveryTag: number, multiple: boolean, requeue: boolean): void {
    diagnostics.settle.publish({ channelNumber: this.channelNumber, method, deliveryTag, multiple, requeue });
  }

  /** Redelivers every unacknowledged message (requeue: to any consumer; else to this channel). */
  basicRecover(requeue = false, cb?: Continuation<void>): Promise<void> {
    this.assertOpen('basic.recover');
    return this.call('basic.recover', { requeue }, noop, cb);
  }

  /** Puts the channel in confirm mode: from the next publish on, each publish settles on the broker's ack. */
  confirmDelivery(cb?: Continuation<void>): Promise<void> {
    this.assertOpen('confirm.select');
    if (this.transactional)
      throw new InvalidStateError(
        `channel ${this.channelNumber}: confirm.select on a transactional channel`,
        this.currentState,
      );
    return this.call('confirm.select', { nowait: false }, noop, cb, () => {
      this.confirms ??= new ConfirmTracker();
    });
  }

  txSelect(cb?: Continuation<void>): Promise<void> {
    this.assertOpen('tx.select');
    if (this.confirms !== undefined)
      throw new InvalidStateError(
        `channel ${this.channelNumber}: tx.select on a channel in confirm mode`,
        this.currentState,
      );
    this.transactional = true;
    return this.call('tx.select', {}, noop, cb);
  }

  txCommit(cb?: Continuation<void>): Promise<void> {
    this.assertTransactional('tx.commit');
    return this.call('tx.commit', {}, noop, cb);
  }

  txRollback(cb?: Continuation<void>): Promise<void> {
    this.assertTransactional('tx.rollback');
    return this.call('tx.rollback', {}, noop, cb);
  }

  private afterWrite(accepted: boolean): Promise<void> {
    if (this.confirms !== undefined) return this.confirms.add();
    if (accepted) return PUBLISH_WRITTEN;
    const drained = this.link.drained();
    drained.catch(noop);
    return drained;
  }

  private assertTransactional(operation: string): void {
    this.assertOpen(operation);
    if (!this.transactional)
      throw new InvalidStateError(
        `channel ${this.channelNumber}: ${operation} before tx.select`,
        this.currentState,
      );
  }
}
