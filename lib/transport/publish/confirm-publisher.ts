import { randomUUID } from 'node:crypto';
import { InvalidStateError, MessageReturnedError, type BasicProperties } from '../../protocol/index.js';
import type { AmqpChannel, AmqpConnectionHost } from '../connection/connection-host.js';
import { fullProperties } from '../core/full-properties.js';
import { telemetry } from '../telemetry/telemetry.js';

/**
 * Publishes on one channel in confirm mode: each publish settles on the broker's ack (rejects on a
 * nack, or when the channel closes for good). A publish caught by a connection loss is sent again
 * after the recovery until the broker confirms it, so a resolved publish reached the broker at least
 * once. The channel is opened on first use and again after it closed. While the connection is down a
 * publish waits within the connection's outage budget (`recovery.outage`), never longer or larger.
 *
 * A mandatory publish that the broker cannot route rejects with MessageReturnedError. The broker
 * sends basic.return before the ack of the same message, so by the time the ack settles the publish
 * the return has been seen; returns are matched by message id (one is generated when missing).
 * Unless told otherwise a publish straight to a queue (the default exchange) is mandatory: a missing
 * queue would otherwise drop it after a positive confirm. Through a named exchange it is not, as
 * publish/subscribe with no subscriber yet is normal.
 */
export class ConfirmPublisher {
  private channelPromise: Promise<AmqpChannel> | undefined;
  private openChannel: AmqpChannel | undefined;
  private readonly returned = new Map<string, MessageReturnedError>();
  private closed = false;

  constructor(private readonly host: AmqpConnectionHost) {}

  /** Publishes and resolves once the broker has confirmed the message. */
  async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: BasicProperties,
    mandatory: boolean = exchange === '',
  ): Promise<void> {
    let sent = properties;
    if (mandatory && properties.messageId === undefined) {
      // Not `{ ...properties, messageId }`: see fullProperties (a hidden class per message).
      sent = fullProperties(properties);
      sent.messageId = randomUUID();
    }
    if (telemetry === undefined || !telemetry.active) return this.confirmed(exchange, routingKey, body, sent, mandatory);
    const trace = telemetry.publish(exchange, routingKey, sent, body.length);
    try {
      await this.confirmed(exchange, routingKey, body, trace.properties, mandatory);
    } catch (error) {
      trace.end(error);
      throw error;
    }
    trace.end();
  }

  /** Mandatory publishes carry a message id by now: a return is matched by it. */
  private async confirmed(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: BasicProperties,
    mandatory: boolean,
  ): Promise<void> {
    // The open channel is kept at hand: no promise to wait on per publish.
    const ready = this.openChannel;
    // Down: wait for the connection within the outage budget (OutageBudgetError past a bound or the deadline).
    const channel = ready?.isOpen === true ? ready : await this.channelWithin(body.length);
    if (!mandatory) {
      await channel.publishWithRetry(exchange, routingKey, body, properties);
      return;
    }
    const messageId = properties.messageId as string;
    try {
      await channel.publishWithRetry(exchange, routingKey, body, properties, { mandatory: true });
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
    this.openChannel = undefined;
    if (pending === undefined) return;
    const channel = await pending.catch(() => undefined);
    if (channel?.isOpen === true) await channel.close().catch(() => undefined);
  }

  private async channelWithin(bytes: number): Promise<AmqpChannel> {
    await this.host.waitOutOutage(bytes);
    return this.channel();
  }

  private channel(): Promise<AmqpChannel> {
    if (this.channelPromise !== undefined) return this.channelPromise;
    if (this.closed) return Promise.reject(new InvalidStateError('publish on a closed publisher', 'CLOSED'));
    const opening = this.open();
    this.channelPromise = opening;
    const forget = (): void => {
      if (this.channelPromise !== opening) return;
      this.channelPromise = undefined;
      this.openChannel = undefined;
    };
    opening.then((channel) => {
      if (this.channelPromise === opening) this.openChannel = channel;
      channel.addOnCloseCallback(forget);
    }, forget);
    return opening;
  }

  private async open(): Promise<AmqpChannel> {
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
