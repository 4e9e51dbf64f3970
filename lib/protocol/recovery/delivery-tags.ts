/**
 * Delivery tags across channel generations. The broker numbers deliveries from 1 on every channel, so
 * after a recovery tag 1 would name a different message. Users are handed engine tags shifted by an
 * offset that only grows: a tag at or below the live channel's offset came from a dead channel, and
 * acking it throws StaleDeliveryError instead of acking some other message.
 */
import { StaleDeliveryError } from '../errors.js';

export class DeliveryTags {
  private offset = 0;
  private highest = 0;

  /** The tag a user sees for an engine tag of the live channel. */
  toUser(engineTag: number): number {
    const tag = engineTag + this.offset;
    if (tag > this.highest) this.highest = tag;
    return tag;
  }

  /**
   * The engine tag for a user's tag. 0 (with multiple: everything outstanding) stays 0.
   * @param suspended the live engine channel is dead (lost with its connection): every tag is stale then
   * @throws StaleDeliveryError for a tag of a channel that was lost
   */
  toEngine(tag: number, suspended: boolean): number {
    if (suspended) throw new StaleDeliveryError(tag, 'the connection is down; the broker requeues it');
    if (tag === 0) return 0;
    if (tag <= this.offset) {
      throw new StaleDeliveryError(
        tag,
        `it came before the last recovery (this channel's tags start after ${this.offset}); the broker redelivers it`,
      );
    }
    return tag - this.offset;
  }

  isStale(tag: number, suspended: boolean): boolean {
    return suspended || (tag !== 0 && tag <= this.offset);
  }

  /** A new engine channel takes over: every tag handed out so far becomes stale. */
  nextChannel(): void {
    this.offset = this.highest;
  }
}
