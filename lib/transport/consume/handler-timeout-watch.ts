import type { AmqpMessage } from '../core/amqp.context.js';
import { describeMessage } from './message-identity.js';

/** The share of `consumer_timeout` after which a running handler is warned about. */
export const CONSUMER_TIMEOUT_WARN_SHARE = 0.8;

/** A delivery being watched, as {@link HandlerTimeoutWatch.watch} hands it out (opaque). */
export type WatchedDelivery = object;

/** One running delivery, linked in arrival order (no set to hash into and rebuild as deliveries come and go). */
class Watched {
  warned = false;
  prev: Watched | undefined = undefined;
  next: Watched | undefined = undefined;
  /** Still in the list (an end called twice unlinks once). */
  linked = true;

  constructor(
    readonly started: number,
    readonly message: AmqpMessage,
    readonly queue: string,
  ) {}
}

/**
 * Watches a consumer's running deliveries against the broker's `consumer_timeout`: one WARN per
 * delivery whose handling has lasted 80% of it (past it the broker closes the channel with a 406).
 * One interval timer per consumer while deliveries run, not one timer per delivery: the list is in
 * arrival order, so a sweep stops at the first delivery that is still young.
 */
export class HandlerTimeoutWatch {
  private head: Watched | undefined;
  private tail: Watched | undefined;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Elapsed milliseconds after which a delivery is warned about. */
  readonly warnAfterMs: number;
  private readonly tickMs: number;

  constructor(
    readonly timeoutMs: number,
    private readonly label: string,
    private readonly warn: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.warnAfterMs = Math.floor(timeoutMs * CONSUMER_TIMEOUT_WARN_SHARE);
    // A tenth of the warning's lead, between 10 ms and 1 s: late by at most that.
    this.tickMs = Math.min(1000, Math.max(10, Math.floor(this.warnAfterMs / 10)));
  }

  /** Deliveries being watched. */
  get size(): number {
    return this.count;
  }

  /** A delivery's handling started; call the function returned when it has ended. */
  add(message: AmqpMessage, queue: string): () => void {
    const entry = this.watch(message, queue);
    return () => this.end(entry);
  }

  /** A delivery's handling started; pass what it returns to {@link end} when it has ended (no closure per delivery). */
  watch(message: AmqpMessage, queue: string): WatchedDelivery {
    const entry = new Watched(this.now(), message, queue);
    const tail = this.tail;
    entry.prev = tail;
    if (tail === undefined) this.head = entry;
    else tail.next = entry;
    this.tail = entry;
    this.count += 1;
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, this.tickMs);
      this.timer.unref();
    }
    return entry;
  }

  /** The handling of a delivery {@link watch} returned has ended. */
  end(delivery: WatchedDelivery): void {
    const entry = delivery as Watched;
    if (!entry.linked) return;
    entry.linked = false;
    const { prev, next } = entry;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.count -= 1;
  }

  /** Stops the timer (the consumer closed); deliveries still running are no longer watched. */
  stop(): void {
    let entry = this.head;
    while (entry !== undefined) {
      const next: Watched | undefined = entry.next;
      entry.linked = false;
      entry.prev = undefined;
      entry.next = undefined;
      entry = next;
    }
    this.head = undefined;
    this.tail = undefined;
    this.count = 0;
    this.halt();
  }

  /** Warns about every delivery past the share not yet warned about; stops the timer when none runs. */
  readonly sweep = (): void => {
    if (this.count === 0) {
      this.halt();
      return;
    }
    const now = this.now();
    for (let entry = this.head; entry !== undefined; entry = entry.next) {
      const elapsed = now - entry.started;
      if (elapsed < this.warnAfterMs) break;
      if (entry.warned) continue;
      entry.warned = true;
      this.warn(
        `${this.label}: the handler of ${describeMessage(entry.message, entry.queue)} has run for ${elapsed} ms, ` +
          `${Math.round(CONSUMER_TIMEOUT_WARN_SHARE * 100)}% of consumerTimeoutMs ${this.timeoutMs}: ` +
          'past it the broker closes the channel (406) and redelivers the message',
      );
    }
  };

  private halt(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
