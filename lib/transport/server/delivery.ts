import { InvalidStateError, StaleDeliveryError } from '../../protocol/errors.js';
import type { Channel } from '../../protocol/index.js';

/** How a delivery ended. 'lost': its channel closed first, so the broker will redeliver it. */
export type DeliveryOutcome = 'acked' | 'nacked' | 'rejected' | 'auto' | 'lost';

/**
 * The life of one channel as the server saw it. A delivery holds the lease of the channel it came on;
 * once that channel closes the lease is dead for good, even if a channel object is reopened later,
 * so an ack can never reach a channel whose delivery tags mean other messages.
 */
export class ChannelLease {
  private aliveValue = true;
  private readonly onEnd: Array<() => void> = [];

  constructor(readonly channel: Channel) {
    channel.addOnCloseCallback(() => this.end());
  }

  get alive(): boolean {
    return this.aliveValue && this.channel.isOpen;
  }

  /** Marks the lease dead (channel closed, or the server is done with it). */
  end(): void {
    if (!this.aliveValue) return;
    this.aliveValue = false;
    for (const listener of this.onEnd.splice(0)) listener();
  }

  /** Runs `listener` once when the lease ends. */
  onceEnded(listener: () => void): void {
    if (!this.aliveValue) listener();
    else this.onEnd.push(listener);
  }
}

/**
 * One delivery's acknowledgement, settled at most once, on the channel it came on. `done` resolves
 * with the outcome when it is settled, or with 'lost' when its channel closes before that.
 */
export class Delivery {
  private outcome: DeliveryOutcome | undefined;
  private resolveDone!: (outcome: DeliveryOutcome) => void;
  /** Resolves once the delivery is settled or its channel is gone. */
  readonly done: Promise<DeliveryOutcome>;

  constructor(
    private readonly lease: ChannelLease,
    readonly deliveryTag: number,
    /** True when the broker considers the message acknowledged on delivery (ack: 'none'). */
    readonly autoAcked = false,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    if (autoAcked) this.finish('auto');
    else lease.onceEnded(() => this.finish('lost'));
  }

  /** True once acked, nacked, rejected, auto-acked or lost with its channel. */
  get settled(): boolean {
    return this.outcome !== undefined;
  }

  get state(): DeliveryOutcome | 'pending' {
    return this.outcome ?? 'pending';
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

  private settle(outcome: DeliveryOutcome, method: string, send: (channel: Channel) => void): void {
    const channel = this.lease.channel;
    if (this.outcome === 'lost' || (this.outcome === undefined && !this.lease.alive)) {
      this.finish('lost');
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
    this.finish(outcome);
  }

  private finish(outcome: DeliveryOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    this.resolveDone(outcome);
  }
}
