import { InvalidStateError, StaleDeliveryError } from '../../protocol/errors.js';
import type { AmqpChannel } from '../shared/connection-host.js';

/** How a delivery ended. 'lost': its channel closed first, so the broker will redeliver it. */
export type DeliveryOutcome = 'acked' | 'nacked' | 'rejected' | 'auto' | 'lost';

/**
 * The life of one channel as the server saw it. A delivery holds the lease of the channel it came on;
 * once that channel closes the lease is dead for good, even if a channel object is reopened later,
 * so an ack can never reach a channel whose delivery tags mean other messages.
 */
export class ChannelLease {
  private aliveValue = true;

  constructor(readonly channel: AmqpChannel) {
    channel.addOnCloseCallback(() => this.end());
  }

  get alive(): boolean {
    return this.aliveValue && this.channel.isOpen;
  }

  /** Marks the lease dead for good (channel closed, or the server is done with it). */
  end(): void {
    this.aliveValue = false;
  }
}

/**
 * One delivery's acknowledgement, settled at most once, on the channel it came on. Whether its
 * channel is gone is read from the lease when asked (no per-delivery listener: a long-lived channel
 * sees millions of deliveries).
 */
export class Delivery {
  private outcome: DeliveryOutcome | undefined;

  constructor(
    private readonly lease: ChannelLease,
    readonly deliveryTag: number,
    /** True when the broker considers the message acknowledged on delivery (ack: 'none'). */
    readonly autoAcked = false,
  ) {
    if (autoAcked) this.outcome = 'auto';
  }

  /** True once acked, nacked, rejected, auto-acked, or lost with its channel. */
  get settled(): boolean {
    return this.state !== 'pending';
  }

  /** The outcome; 'lost' when its channel closed before it was settled (the broker redelivers it). */
  get state(): DeliveryOutcome | 'pending' {
    if (this.outcome !== undefined) return this.outcome;
    // A recovered channel is open again, but tags from before the loss are dead on it.
    return this.lease.alive && !this.lease.channel.isStale(this.deliveryTag) ? 'pending' : 'lost';
  }

  ack(): void {
    this.settle('acked', 'basic.ack', (channel) => channel.basicAck(this.deliveryTag));
  }

  nack(requeue = false): void {
    this.settle('nacked', 'basic.nack', (channel) => channel.basicNack(this.deliveryTag, { requeue }));
  }

  reject(requeue = false): void {
    this.settle('rejected', 'basic.reject', (channel) => channel.basicReject(this.deliveryTag, requeue));
  }

  private settle(outcome: DeliveryOutcome, method: string, send: (channel: AmqpChannel) => void): void {
    const channel = this.lease.channel;
    if (this.outcome === undefined && this.state === 'lost') {
      throw new StaleDeliveryError(
        this.deliveryTag,
        `${method} refused: channel ${channel.channelNumber} closed, so the broker redelivers the message`,
      );
    }
    if (this.outcome !== undefined) {
      throw new InvalidStateError(
        `${method}: delivery ${this.deliveryTag} on channel ${channel.channelNumber} is already settled`,
        this.outcome,
      );
    }
    send(channel);
    this.outcome = outcome;
  }
}
