/**
 * Publisher confirms: delivery tags count from 1 in publish order; each publish waits in a Map keyed
 * by its tag. A Map iterates in insertion order, which is tag order, so a `multiple` ack for N walks
 * only the entries it settles (O(settled)), never the whole set.
 */
import { PublishNackedError } from '../errors.js';

const noop = (): void => undefined;

/** One publish awaiting the broker's verdict. */
class PendingConfirm {
  resolve!: () => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<void>;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  /** A rejection nobody listens to must not crash the process (fire-and-forget publishes are common). */
  fail(error: Error): void {
    this.promise.catch(noop);
    this.reject(error);
  }
}

export class ConfirmTracker {
  private nextTag = 1;
  private readonly pending = new Map<number, PendingConfirm>();

  /** Number of publishes not yet confirmed. */
  get size(): number {
    return this.pending.size;
  }

  /** The tag the next publish will get. */
  get next(): number {
    return this.nextTag;
  }

  /** Registers the publish just written; its promise settles on the broker's ack or nack. */
  add(): Promise<void> {
    const entry = new PendingConfirm();
    this.pending.set(this.nextTag++, entry);
    return entry.promise;
  }

  /** Settles the publish(es) the broker acked; returns how many. */
  ack(deliveryTag: number, multiple: boolean): number {
    if (!multiple) {
      const entry = this.pending.get(deliveryTag);
      if (entry === undefined) return 0;
      this.pending.delete(deliveryTag);
      entry.resolve();
      return 1;
    }
    let count = 0;
    for (const [tag, entry] of this.pending) {
      if (tag > deliveryTag) break;
      this.pending.delete(tag);
      entry.resolve();
      count += 1;
    }
    return count;
  }

  /** Fails the publish(es) the broker nacked; returns how many. */
  nack(deliveryTag: number, multiple: boolean): number {
    if (!multiple) {
      const entry = this.pending.get(deliveryTag);
      if (entry === undefined) return 0;
      this.pending.delete(deliveryTag);
      entry.fail(new PublishNackedError(deliveryTag));
      return 1;
    }
    let count = 0;
    for (const [tag, entry] of this.pending) {
      if (tag > deliveryTag) break;
      this.pending.delete(tag);
      entry.fail(new PublishNackedError(tag));
      count += 1;
    }
    return count;
  }

  /** The channel or connection is gone: no confirm will come, reject every waiting publish. */
  failAll(error: Error): void {
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.fail(error);
  }
}
