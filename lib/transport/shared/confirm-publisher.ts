import { randomUUID } from 'node:crypto';
import { MessageReturnedError, type BasicProperties, type Channel } from '../../protocol/index.js';
import type { AmqpConnectionHost } from './connection-host.js';

/**
 * Publishes on one channel in confirm mode: each publish settles on the broker's ack (rejects on a
 * nack or when the channel goes). The channel is opened on first use and again after it closed.
 *
 * A mandatory publish that the broker cannot route rejects with MessageReturnedError. The broker
 * sends basic.return before the ack of the same message, so by the time the ack settles the publish
 * the return has been seen; returns are matched by message id (one is generated when missing).
 */
export class ConfirmPublisher {
  private channelPromise: Promise<Channel> | undefined;
  private readonly returned = new Map<string, MessageReturnedError>();
  private closed = false;

  constructor(private readonly host: AmqpConnectionHost) {}

  /** Publishes and resolves once the broker has confirmed the message. */
  async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: BasicProperties,
    mandatory = false,
  ): Promise<void> {
    const channel = await this.channel();
    if (!mandatory) {
      await channel.basicPublish(exchange, routingKey, body, properties);
      return;
    }
    const messageId = properties.messageId ?? randomUUID();
    const withId = properties.messageId === undefined ? { ...properties, messageId } : properties;
    try {
      await channel.basicPublish(exchange, routingKey, body, withId, { mandatory: true });
      const returned = this.returned.get(messageId);
      if (returned !== undefined) throw returned;
    } finally {
      this.returned.delete(messageId);
    }
  }

  /** Closes the channel (the connection stays with its host). */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.channelPromise;
    this.channelPromise = undefined;
    if (pending === undefined) return;
    const channel = await pending.catch(() => undefined);
    if (channel?.isOpen === true) await channel.close().catch(() => undefined);
  }

  private channel(): Promise<Channel> {
    if (this.channelPromise !== undefined) return this.channelPromise;
    if (this.closed) return Promise.reject(new Error('the publisher is closed'));
    const opening = this.open();
    this.channelPromise = opening;
    const forget = (): void => {
      if (this.channelPromise === opening) this.channelPromise = undefined;
    };
    opening.then((channel) => channel.addOnCloseCallback(forget), forget);
    return opening;
  }

  private async open(): Promise<Channel> {
    const channel = await this.host.channel();
    channel.addOnReturnCallback((_channel, method, properties) => {
      if (properties.messageId === undefined) return;
      this.returned.set(
        properties.messageId,
        new MessageReturnedError(method.replyCode, method.replyText, method.exchange, method.routingKey),
      );
    });
    await channel.confirmDelivery();
    return channel;
  }
}
