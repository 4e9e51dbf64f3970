/**
 * What the broker saw, for the test's assertions: every publish (where it went and how it ended),
 * every dead-lettering (why, from where, to where), and the waiters woken when something changes.
 */
import type { BasicProperties } from '../../protocol/index.js';
import type { DeathReason } from './memory-queue.js';

/** How a publish ended. */
export type PublishOutcome = 'routed' | 'unroutable' | 'returned' | 'rejected' | 'nacked';

/** A message as the broker received it from a publisher (or from `broker.publish`). */
export interface PublishedMessage {
  readonly vhost: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: BasicProperties;
  readonly body: Buffer;
  readonly mandatory: boolean;
  /** Queues it was routed to (after exchange-to-exchange bindings and alternate exchanges). */
  readonly queues: readonly string[];
  readonly outcome: PublishOutcome;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

/** A message a queue dead-lettered (or discarded, when it has no dead-letter exchange). */
export interface DeadLetteredMessage {
  readonly vhost: string;
  /** The queue it left. */
  readonly queue: string;
  readonly reason: DeathReason;
  /** The dead-letter exchange it went to; undefined = discarded (no x-dead-letter-exchange). */
  readonly deadLetterExchange: string | undefined;
  readonly routingKey: string;
  /** Its properties after dead-lettering (x-death ...). */
  readonly properties: BasicProperties;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

/** Filters for {@link Journal.published}: fields to equal, or a predicate. */
export interface PublishedFilter {
  exchange?: string;
  routingKey?: string;
  /** Routed to this queue. */
  queue?: string;
  vhost?: string;
  where?: (message: PublishedMessage) => boolean;
}

type Waiter = () => boolean;

export function bodyReaders(body: Buffer): { text(): string; json<T>(): T } {
  return {
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

export class Journal {
  readonly publishes: PublishedMessage[] = [];
  readonly deadLetters: DeadLetteredMessage[] = [];
  #waiters = new Set<Waiter>();
  #scheduled = false;

  recordPublish(record: Omit<PublishedMessage, 'text' | 'json'>): void {
    this.publishes.push({ ...record, ...bodyReaders(record.body) });
    this.changed();
  }

  recordDeadLetter(record: Omit<DeadLetteredMessage, 'text' | 'json'>): void {
    this.deadLetters.push({ ...record, ...bodyReaders(record.body) });
    this.changed();
  }

  published(filter: PublishedFilter = {}): PublishedMessage[] {
    return this.publishes.filter(
      (m) =>
        (filter.exchange === undefined || m.exchange === filter.exchange) &&
        (filter.routingKey === undefined || m.routingKey === filter.routingKey) &&
        (filter.queue === undefined || m.queues.includes(filter.queue)) &&
        (filter.vhost === undefined || m.vhost === filter.vhost) &&
        (filter.where === undefined || filter.where(m)),
    );
  }

  clear(): void {
    this.publishes.length = 0;
    this.deadLetters.length = 0;
  }

  /** Resolves once `check` returns true (checked now and after every change). */
  waitUntil(check: () => boolean, onTimeout: () => Error, timeoutMs: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = () => {
        if (!check()) return false;
        globalThis.clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = globalThis.setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(onTimeout());
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Something changed: wake the waiters once the current step is done. */
  changed(): void {
    if (this.#scheduled || this.#waiters.size === 0) return;
    this.#scheduled = true;
    void Promise.resolve().then(() => {
      this.#scheduled = false;
      for (const waiter of [...this.#waiters]) if (waiter()) this.#waiters.delete(waiter);
    });
  }
}
