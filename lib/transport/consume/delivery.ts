import { InvalidStateError, StaleDeliveryError } from '../../protocol/errors.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { telemetry } from '../telemetry/telemetry.js';
import type { SettleOutcome } from '../telemetry/telemetry-hooks.js';

/** How a delivery ended. 'lost': its channel closed first, so the broker will redeliver it. */
export type DeliveryOutcome = 'acked' | 'nacked' | 'rejected' | 'auto' | 'lost';

/**
 * The life of one channel as the server saw it. A delivery holds the lease of the channel it came on;
 * once that channel closes the lease is dead for good, even if a channel object is reopened later,
 * so an ack can never reach a channel whose delivery tags mean other messages.
 *
 * The lease also batches acks. An ack is sent at once when no other delivery of the channel is
 * unsettled (a lone request: no added latency). Otherwise it waits for the promise jobs already
 * queued (the other handlers finishing in this same burst, whose replies are still corked in the
 * socket), then the acks gathered are sent as one `multiple` ack up to the highest tag below which
 * every unsettled delivery is acked, and one by one above it: never an ack for a delivery whose
 * handler has not succeeded. They leave in the same socket write as the replies. Fewer frames for the broker and the socket; an ack that a lost channel
 * swallows means a redelivery, as before (at least once).
 */
export class ChannelLease {
  private aliveValue = true;
  /**
   * Delivery tags of this channel not yet settled (acks waiting in `pending` included), in the order
   * they were tracked: delivery order, so ascending (a recovered channel's tags continue above the
   * old ones), and the first one is the lowest.
   */
  private readonly unsettled = new Set<number>();
  /** Acks decided but not yet sent. */
  private pending: number[] = [];
  private flushScheduled = false;
  /** The queue consumed on this channel (names it in metrics). */
  queue = '';
  /** A stream queue's channel: basic.nack and basic.reject would make the broker close the whole connection (540). */
  refusesNack = false;

  constructor(readonly channel: AmqpChannel) {
    channel.addOnCloseCallback(() => this.end());
  }

  get alive(): boolean {
    return this.aliveValue && this.channel.isOpen;
  }

  /** Marks the lease dead for good (channel closed, or the server is done with it). */
  end(): void {
    this.aliveValue = false;
    this.pending = [];
    this.unsettled.clear();
  }

  /** A delivery that must be settled on this channel. */
  track(deliveryTag: number): void {
    this.unsettled.add(deliveryTag);
  }

  /** A nack or reject went out for this tag: it no longer holds back a `multiple` ack. */
  settledOtherwise(deliveryTag: number): void {
    this.unsettled.delete(deliveryTag);
  }

  /** Acks now when this is the only unsettled delivery, else once the promise jobs already queued have run. */
  ack(deliveryTag: number): void {
    if (this.pending.length === 0 && this.unsettled.size > 1) this.dropStale();
    if (this.pending.length === 0 && this.unsettled.size <= 1) {
      this.channel.basicAck(deliveryTag);
      this.unsettled.delete(deliveryTag);
      return;
    }
    this.pending.push(deliveryTag);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushLater);
    }
  }

  /** Sends the acks gathered (before a channel close, so none is lost). Never throws. */
  flush(): void {
    const acks = this.pending;
    if (acks.length === 0) return;
    this.pending = [];
    if (!this.alive) return;
    const channel = this.channel;
    this.dropStale();
    // What stays unsettled once these acks are taken out is what is not being acked: its lowest tag
    // (the first one, see `unsettled`) bounds the `multiple` ack. Acks of stale tags are skipped.
    const unsettled = this.unsettled;
    for (const tag of acks) unsettled.delete(tag);
    let bound = Number.POSITIVE_INFINITY;
    for (const tag of unsettled) {
      bound = tag;
      break;
    }
    let upTo = -1;
    for (const tag of acks) if (tag < bound && tag > upTo && !channel.isStale(tag)) upTo = tag;
    try {
      if (upTo >= 0) channel.basicAck(upTo, true);
      for (const tag of acks) if (tag > upTo && !channel.isStale(tag)) channel.basicAck(tag);
    } catch {
      // The channel went between the check and the send: the broker redelivers what was not acked.
    }
  }

  /**
   * Tags from before a recovery are dead on the recovered channel: they hold nothing back. They are
   * the lowest ones (at or below the recovery's offset; all of them while the channel is suspended),
   * so they come first in `unsettled`: the sweep stops at the first live tag instead of visiting all.
   */
  private dropStale(): void {
    for (const tag of this.unsettled) {
      if (!this.channel.isStale(tag)) return;
      this.unsettled.delete(tag);
    }
  }

  private readonly flushLater = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
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
    else lease.track(deliveryTag);
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

  /**
   * Acks the delivery. `fate` is what the ack means for the metrics: a plain ack, or the original of
   * a confirmed dead-letter, requeue or retry copy, or a failed message discarded on purpose.
   */
  ack(fate: SettleOutcome = 'acked'): void {
    this.settle('acked', 'basic.ack', fate, ackThroughLease);
  }

  /** Nacks it; `fate` as for {@link ack} (a nack without requeue to a queue without DLX is 'dropped'). */
  nack(requeue = false, fate?: SettleOutcome): void {
    if (this.lease.refusesNack) throw streamRefusal('basic.nack');
    this.settle('nacked', 'basic.nack', fate ?? (requeue ? 'requeued' : 'dead-lettered'), (channel, lease, tag) => {
      channel.basicNack(tag, { requeue });
      lease.settledOtherwise(tag);
    });
  }

  reject(requeue = false): void {
    if (this.lease.refusesNack) throw streamRefusal('basic.reject');
    this.settle('rejected', 'basic.reject', requeue ? 'requeued' : 'dead-lettered', (channel, lease, tag) => {
      channel.basicReject(tag, requeue);
      lease.settledOtherwise(tag);
    });
  }

  private settle(
    outcome: DeliveryOutcome,
    method: string,
    fate: SettleOutcome,
    send: (channel: AmqpChannel, lease: ChannelLease, deliveryTag: number) => void,
  ): void {
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
    send(channel, this.lease, this.deliveryTag);
    this.outcome = outcome;
    telemetry?.settled(this.lease.queue, fate);
  }
}

function streamRefusal(method: string): InvalidStateError {
  return new InvalidStateError(
    `${method} is not supported by stream queues (the broker would close the whole connection): ack the message, it stays in the stream`,
    'STREAM',
  );
}

/** The ack of {@link Delivery.ack}: made once, not a closure per delivery. */
function ackThroughLease(_channel: AmqpChannel, lease: ChannelLease, deliveryTag: number): void {
  lease.ack(deliveryTag);
}
