/**
 * The channel's inbound dispatch: every method the frame parser hands to this channel (replies,
 * deliveries, returns, confirms, cancels, flow, the broker's close), on top of the life in
 * channel-lifecycle.ts. The public methods live in channel-topology.ts and channel.ts on top of this.
 *
 * Inbound methods arrive synchronously from the frame parser; nothing here may throw back into the
 * socket path, so every user callback runs inside a try/catch and its error goes to the link's
 * reportError, not up the stack.
 */
import { encodeMethodFrame, type AnyMethod, type BasicProperties } from '../codec/index.js';
import { OversizeMessageError, type BodyTooLargeError } from '../errors.js';
import { diagnostics } from '../diagnostics.js';
import { ChannelLifecycle } from './channel-lifecycle.js';
import { INBOUND } from './channel-state.js';

/** The body an oversize delivery is handed to its consumer with (its bytes were never stored). */
const EMPTY_BODY = Buffer.alloc(0);

export abstract class ChannelCore extends ChannelLifecycle {
  /** @internal A method without content for this channel, straight from the parser. */
  handleMethod(method: AnyMethod): void {
    switch (method.name) {
      case 'channel.close':
        this.onBrokerClose(method.args);
        return;
      case 'channel.close-ok':
        this.onCloseOk(method);
        return;
    }
    const disposition = INBOUND[this.currentState];
    if (disposition === 'drop') return;
    if (this.queue.expects(method.id)) {
      this.settleReply(method);
      return;
    }
    switch (method.name) {
      case 'basic.ack': {
        if (this.confirms === undefined) break;
        const count = this.confirms.ack(method.args.deliveryTag, method.args.multiple);
        if (diagnostics.confirm.hasSubscribers) this.publishConfirm(true, method.args.deliveryTag, method.args.multiple, count);
        return;
      }
      case 'basic.nack': {
        if (this.confirms === undefined) break;
        const count = this.confirms.nack(method.args.deliveryTag, method.args.multiple);
        if (diagnostics.confirm.hasSubscribers) this.publishConfirm(false, method.args.deliveryTag, method.args.multiple, count);
        return;
      }
      case 'basic.cancel':
        if (disposition === 'handle') this.onBrokerCancel(method.args.consumerTag, method.args.nowait);
        return;
      case 'channel.flow':
        if (disposition === 'handle') this.onFlow(method.args.active);
        return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
  }

  private publishConfirm(ack: boolean, deliveryTag: number, multiple: boolean, count: number): void {
    diagnostics.confirm.publish({ channelNumber: this.channelNumber, ack, deliveryTag, multiple, count });
  }

  /** @internal A content-bearing method (deliver, return, get-ok) with its properties and body. */
  handleContent(method: AnyMethod, properties: BasicProperties, body: Buffer): void {
    const disposition = INBOUND[this.currentState];
    if (method.name === 'basic.deliver') {
      if (disposition !== 'handle') return;
      const args = method.args;
      if (args.deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = args.deliveryTag;
      const consumer = this.consumers.lookup(args.consumerTag);
      // A delivery racing our cancel-ok (or for a tag the broker invented) has nobody to go to.
      if (consumer === undefined) return;
      if (diagnostics.deliver.hasSubscribers) {
        diagnostics.deliver.publish({
          channelNumber: this.channelNumber,
          consumerTag: args.consumerTag,
          deliveryTag: args.deliveryTag,
          redelivered: args.redelivered,
          exchange: args.exchange,
          routingKey: args.routingKey,
          properties,
          bodySize: body.length,
        });
      }
      try {
        consumer(this, args, properties, body);
      } catch (error) {
        this.link.reportError(error, 'a consumer callback');
      }
      return;
    }
    if (disposition === 'drop') return;
    if (this.queue.expects(method.id)) {
      if (method.name === 'basic.get-ok' && method.args.deliveryTag > this.highestDeliveryTag) {
        this.highestDeliveryTag = method.args.deliveryTag;
      }
      this.settleReply(method, properties, body);
      return;
    }
    if (method.name === 'basic.return') {
      if (disposition !== 'handle') return;
      if (diagnostics.return.hasSubscribers) {
        const { replyCode, replyText, exchange, routingKey } = method.args;
        diagnostics.return.publish({ channelNumber: this.channelNumber, replyCode, replyText, exchange, routingKey, properties });
      }
      for (const cb of this.returnCallbacks) {
        try {
          cb(this, method.args, properties, body);
        } catch (error) {
          this.link.reportError(error, 'a return callback');
        }
      }
      return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
  }

  /**
   * @internal A content-bearing method whose body was over maxBodySize and skipped unread. A
   * delivery to a consumer that acks is rejected without requeue (redelivered, it would come back
   * for ever); a basic.get fails with the error and its tag. Always reported as OversizeMessageError.
   */
  handleOversizeContent(method: AnyMethod, properties: BasicProperties, tooLarge: BodyTooLargeError): void {
    const disposition = INBOUND[this.currentState];
    const where = { channel: this.channelNumber, method: method.name, messageId: properties.messageId };
    if (method.name === 'basic.deliver') {
      if (disposition !== 'handle') return;
      const { deliveryTag, consumerTag } = method.args;
      if (deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = deliveryTag;
      const consumer = this.consumers.lookup(consumerTag);
      if (consumer !== undefined && this.oversizeConsumers.has(consumerTag)) {
        // Its consumer settles it: no reject, no report (the consumer says what became of it).
        const error = new OversizeMessageError(tooLarge, { ...where, deliveryTag, consumerTag, outcome: 'delivered' });
        try {
          consumer(this, method.args, properties, EMPTY_BODY, error);
        } catch (thrown) {
          this.link.reportError(thrown, 'a consumer callback');
        }
        return;
      }
      const outcome = consumer === undefined ? 'unsettled' : this.autoAckConsumers.has(consumerTag) ? 'dropped' : 'rejected';
      if (outcome === 'rejected') {
        this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.reject', { deliveryTag, requeue: false }));
      }
      const error = new OversizeMessageError(tooLarge, { ...where, deliveryTag, consumerTag, outcome });
      this.link.reportError(error, 'an oversize delivery');
      return;
    }
    if (disposition === 'drop') return;
    if (method.name === 'basic.get-ok' && this.queue.expects(method.id)) {
      const { deliveryTag } = method.args;
      if (deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = deliveryTag;
      this.replyDeadline.disarm();
      this.queue.takeReply()?.fail(new OversizeMessageError(tooLarge, { ...where, deliveryTag, outcome: 'unsettled' }));
      if (this.currentState !== 'CLOSED') this.queue.pump();
      return;
    }
    if (method.name === 'basic.return' && disposition === 'handle') {
      this.link.reportError(new OversizeMessageError(tooLarge, { ...where, outcome: 'returned' }), 'an oversize return');
      return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
  }

  private onBrokerCancel(consumerTag: string, nowait: boolean): void {
    this.consumers.delete(consumerTag);
    this.autoAckConsumers.delete(consumerTag);
    this.oversizeConsumers.delete(consumerTag);
    if (!nowait) this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.cancel-ok', { consumerTag }));
    for (const cb of this.cancelCallbacks) {
      try {
        cb(consumerTag);
      } catch (error) {
        this.link.reportError(error, 'a cancel callback');
      }
    }
  }

  private onFlow(active: boolean): void {
    this.link.write(encodeMethodFrame(this.channelNumber, 'channel.flow-ok', { active }));
    this.queue.setPaused(!active);
  }
}
