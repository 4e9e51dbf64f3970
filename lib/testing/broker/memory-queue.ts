/**
 * One queue: ready messages in order, consumers served round-robin within their prefetch, TTL
 * expiry from the head (as RabbitMQ expires), max-length with its overflow modes, dead-lettering,
 * quorum delivery counting and queue expiry (x-expires). Unacked messages live in the channels
 * that hold them; a queue counts them only.
 */
import type { BrokerClock, CancelBrokerTimer } from '../clock.js';
import type { QueueConsumer } from './consumer.js';
import { bodyBytes, messageTtl, type BrokerMessage, type QueuedMessage } from './message.js';
import type { QueueArgs } from './queue-args.js';

/** Why a message left a queue for its dead-letter exchange (x-death reason). */
export type DeathReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

/** What a queue needs from its virtual host. */
export interface QueueHost {
  /** The vhost's name (for error texts). */
  readonly name: string;
  readonly clock: BrokerClock;
  deadLetter(queue: MemoryQueue, entry: QueuedMessage, reason: DeathReason): void;
  /** x-expires ran out: delete the queue. */
  expire(queue: MemoryQueue): void;
  /** Depth, consumers or settlements changed (wakes the test kit's waiters). */
  changed(queue: MemoryQueue): void;
}

/** What enqueue did with a message. */
export type EnqueueResult = 'queued' | 'rejected';

export class MemoryQueue {
  readonly consumers: QueueConsumer[] = [];
  /** Consumers' settlements (ack, nack, reject) and auto-acked deliveries: what `waitForHandled` counts. */
  handled = 0;
  unacked = 0;
  deleted = false;
  #ready: QueuedMessage[] = [];
  #head = 0;
  #readyBytes = 0;
  #next = 0;
  #hadConsumer = false;
  #dispatching = false;
  #cancelTtl: CancelBrokerTimer | undefined;
  #ttlAt: number | undefined;
  #cancelExpiry: CancelBrokerTimer | undefined;

  constructor(
    readonly name: string,
    readonly host: QueueHost,
    readonly durable: boolean,
    readonly autoDelete: boolean,
    /** The connection that owns an exclusive queue (undefined for a shared one). */
    readonly owner: object | undefined,
    readonly args: QueueArgs,
    readonly declaredArgs: Readonly<Record<string, unknown>>,
  ) {
    this.touch();
  }

  get messageCount(): number {
    return this.#ready.length - this.#head;
  }

  get readyBytes(): number {
    return this.#readyBytes;
  }

  /** The ready messages, head first (a copy). */
  readyMessages(): QueuedMessage[] {
    return this.#ready.slice(this.#head);
  }

  /** Takes a published message; `rejected` when reject-publish(-dlx) refused it. */
  enqueue(message: BrokerMessage): EnqueueResult {
    const now = this.host.clock.now();
    const entry: QueuedMessage = { message, enqueuedAt: now, expiresAt: this.#expiry(message, now), redelivered: false, returns: 0 };
    if (this.args.overflow !== 'drop-head' && this.#wouldOverflow(entry)) {
      if (this.args.overflow === 'reject-publish-dlx') this.host.deadLetter(this, entry, 'maxlen');
      return 'rejected';
    }
    // Straight to a waiting consumer, as RabbitMQ does: even a message with TTL 0 is delivered then.
    if (this.messageCount === 0 && !this.#dispatching && !this.deleted) {
      const consumer = this.#nextConsumer();
      if (consumer !== undefined) {
        this.#handOver(consumer, entry);
        this.host.changed(this);
        return 'queued';
      }
    }
    this.#push(entry);
    this.dispatch();
    this.#trim();
    this.expireHead();
    this.host.changed(this);
    return 'queued';
  }

  /**
   * Puts unacked messages back in their original order: `settledByConsumer` for a nack/reject with
   * requeue (counted as handled), false when their channel went away.
   */
  requeue(entries: QueuedMessage[], settledByConsumer: boolean): void {
    if (settledByConsumer) this.handled += entries.length;
    const back: QueuedMessage[] = [];
    for (const entry of entries) {
      this.unacked--;
      entry.redelivered = true;
      if (this.args.type === 'quorum') {
        entry.returns++;
        if (this.args.deliveryLimit !== undefined && entry.returns > this.args.deliveryLimit) {
          this.host.deadLetter(this, entry, 'delivery_limit');
          continue;
        }
      }
      back.push(entry);
    }
    if (back.length > 0) {
      const ready = this.#ready.slice(this.#head);
      for (const entry of back) {
        const at = ready.findIndex((e) => e.message.seq > entry.message.seq);
        if (at < 0) ready.push(entry);
        else ready.splice(at, 0, entry);
        this.#readyBytes += bodyBytes(entry);
      }
      this.#ready = ready;
      this.#head = 0;
    }
    this.dispatch();
    this.expireHead();
    this.host.changed(this);
  }

  /** A consumer settled `entries` (ack, or nack/reject without requeue: dead-lettered as rejected when `deadLetter`). */
  settled(entries: QueuedMessage[], deadLetter: boolean): void {
    this.unacked -= entries.length;
    this.handled += entries.length;
    if (deadLetter) for (const entry of entries) this.host.deadLetter(this, entry, 'rejected');
    this.dispatch();
    this.host.changed(this);
  }

  /** basic.get: the head message (undefined when empty); counted unacked unless `noAck`. */
  get(noAck: boolean): QueuedMessage | undefined {
    this.touch();
    this.expireHead();
    const entry = this.#shift();
    if (entry === undefined) return undefined;
    if (noAck) this.handled++;
    else this.unacked++;
    this.host.changed(this);
    return entry;
  }

  addConsumer(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.#hadConsumer = true;
    this.#cancelExpiry?.();
    this.#cancelExpiry = undefined;
    this.dispatch();
    this.host.changed(this);
  }

  /** Removes a consumer; true when an auto-delete queue should now be deleted. */
  removeConsumer(consumer: QueueConsumer): boolean {
    const at = this.consumers.indexOf(consumer);
    if (at >= 0) this.consumers.splice(at, 1);
    if (this.consumers.length === 0) this.touch();
    this.host.changed(this);
    return this.autoDelete && this.#hadConsumer && this.consumers.length === 0;
  }

  /** Drops every ready message; returns how many. */
  purge(): number {
    const n = this.messageCount;
    this.#ready = [];
    this.#head = 0;
    this.#readyBytes = 0;
    this.#rearmTtl();
    this.host.changed(this);
    return n;
  }

  /** Marks the queue deleted, cancels its timers and tells its consumers. */
  delete(): number {
    const n = this.purge();
    this.deleted = true;
    this.#cancelTtl?.();
    this.#cancelExpiry?.();
    for (const consumer of this.consumers.splice(0)) consumer.queueGone();
    this.host.changed(this);
    return n;
  }

  /** Restarts the x-expires countdown (declare, get, last consumer gone). */
  touch(): void {
    const expires = this.args.expires;
    if (expires === undefined || this.consumers.length > 0 || this.deleted) return;
    this.#cancelExpiry?.();
    this.#cancelExpiry = this.host.clock.setTimer(expires, () => {
      if (this.consumers.length === 0 && !this.deleted) this.host.expire(this);
    });
  }

  /** Delivers ready messages to consumers that can take them, round-robin. */
  dispatch(): void {
    if (this.#dispatching || this.deleted) return;
    this.#dispatching = true;
    try {
      this.expireHead();
      while (this.messageCount > 0 && this.consumers.length > 0) {
        const consumer = this.#nextConsumer();
        if (consumer === undefined) break;
        const entry = this.#shift();
        if (entry === undefined) break;
        this.#handOver(consumer, entry);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  /** Drops (dead-letters) expired messages at the head, then arms the timer for the next one. */
  expireHead(): void {
    const now = this.host.clock.now();
    for (;;) {
      const head = this.#ready[this.#head];
      if (head === undefined || head.expiresAt === undefined || head.expiresAt > now) break;
      this.#shift();
      this.host.deadLetter(this, head, 'expired');
    }
    this.#rearmTtl();
  }

  #handOver(consumer: QueueConsumer, entry: QueuedMessage): void {
    if (consumer.noAck) this.handled++;
    else this.unacked++;
    consumer.deliver(entry, this.name);
  }

  #expiry(message: BrokerMessage, now: number): number | undefined {
    const perMessage = messageTtl(message.properties);
    const ttl = perMessage === undefined ? this.args.messageTtl : this.args.messageTtl === undefined ? perMessage : Math.min(perMessage, this.args.messageTtl);
    return ttl === undefined ? undefined : now + ttl;
  }

  #wouldOverflow(entry: QueuedMessage): boolean {
    const { maxLength, maxLengthBytes } = this.args;
    if (maxLength !== undefined && this.messageCount >= maxLength) return true;
    return maxLengthBytes !== undefined && this.#readyBytes + bodyBytes(entry) > maxLengthBytes;
  }

  #trim(): void {
    const { maxLength, maxLengthBytes } = this.args;
    while (
      this.messageCount > 0 &&
      ((maxLength !== undefined && this.messageCount > maxLength) || (maxLengthBytes !== undefined && this.#readyBytes > maxLengthBytes))
    ) {
      const head = this.#shift();
      if (head !== undefined) this.host.deadLetter(this, head, 'maxlen');
    }
  }

  #nextConsumer(): QueueConsumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const consumer = this.consumers[(this.#next + i) % n];
      if (consumer !== undefined && consumer.canTake()) {
        this.#next = (this.#next + i + 1) % n;
        return consumer;
      }
    }
    return undefined;
  }

  #push(entry: QueuedMessage): void {
    this.#ready.push(entry);
    this.#readyBytes += bodyBytes(entry);
  }

  #shift(): QueuedMessage | undefined {
    const entry = this.#ready[this.#head];
    if (entry === undefined) return undefined;
    this.#ready[this.#head] = undefined as unknown as QueuedMessage;
    this.#head++;
    this.#readyBytes -= bodyBytes(entry);
    if (this.#head > 1024 && this.#head * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #rearmTtl(): void {
    const head = this.#ready[this.#head];
    const at = head?.expiresAt;
    if (at === this.#ttlAt) return;
    this.#cancelTtl?.();
    this.#cancelTtl = undefined;
    this.#ttlAt = at;
    if (at === undefined || this.deleted) return;
    this.#cancelTtl = this.host.clock.setTimer(at - this.host.clock.now(), () => {
      this.#ttlAt = undefined;
      this.#cancelTtl = undefined;
      this.expireHead();
      this.host.changed(this);
    });
  }
}
