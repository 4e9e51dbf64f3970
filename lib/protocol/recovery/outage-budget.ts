/**
 * The outage budget of one connection: every message kept in memory while the connection is down
 * (a buffered publish, a publishWithRetry waiting for the recovered channel, a Nest-layer publish,
 * emit or request waiting for the connection) is admitted here first, counted in messages and bytes,
 * and given a deadline. Past a bound, admit() throws OutageBudgetError at once; at its deadline a
 * hold is expired with OutageBudgetError('deadline'). The holder releases it when the message leaves
 * memory's care (sent on the recovered connection, or failed).
 *
 * Holds are admitted in time order and share one deadline, so they expire in admission order: one
 * timer for the oldest, a FIFO with a moving head, no timer per message.
 *
 * The same bounds count what publishWithRetry keeps for a re-send while it is on the wire, written
 * but not yet confirmed (keep() / unkeep()): plain counters, no object, no timer and no deadline
 * (the broker's confirm, a nack or the loss of the connection ends it, not the clock). So held +
 * kept-unconfirmed never passes maxBytes nor maxMessages, connected or not: what a frozen link makes
 * the process keep is the budget, whatever the TCP windows take.
 */
import { OutageBudgetError, type OutageBound } from '../errors.js';
import type { ResolvedOutageOptions } from './recovery-options.js';

/** One message counted by the budget; release() it once it left (idempotent). */
export class OutageHold {
  #budget: OutageBudget | undefined;
  #onExpire: ((error: OutageBudgetError) => void) | undefined;

  /** @internal Made by OutageBudget.admit(). */
  constructor(
    budget: OutageBudget,
    readonly bytes: number,
    readonly expiresAt: number,
    onExpire: (error: OutageBudgetError) => void,
  ) {
    this.#budget = budget;
    this.#onExpire = onExpire;
  }

  get released(): boolean {
    return this.#budget === undefined;
  }

  release(): void {
    const budget = this.#budget;
    if (budget === undefined) return;
    this.#budget = undefined;
    // Dropped here so that a released hold still queued keeps no message alive.
    this.#onExpire = undefined;
    budget.returned(this);
  }

  /** @internal Called by the budget at the deadline. */
  expire(error: OutageBudgetError): void {
    const onExpire = this.#onExpire;
    this.release();
    onExpire?.(error);
  }
}

/** What the budget holds now, and what it refused since the connection was made. */
export interface OutageBudgetCounters {
  /** Messages waiting (held) now. */
  messages: number;
  /** Body bytes waiting (held) now. */
  bytes: number;
  /** Messages written and not yet confirmed, kept for a re-send after a loss (publishWithRetry). */
  unconfirmedMessages: number;
  /** Their body bytes: counted against the same bounds as what is held. */
  unconfirmedBytes: number;
  /** The most bytes counted at once (held + kept unconfirmed). */
  peakBytes: number;
  /** The most messages counted at once (held + kept unconfirmed). */
  peakMessages: number;
  /** Calls refused or expired, by the bound they met. */
  refused: Record<OutageBound, number>;
}

export class OutageBudget {
  private queue: Array<OutageHold | undefined> = [];
  private head = 0;
  private heldMessages = 0;
  private heldBytes = 0;
  private keptMessages = 0;
  private keptBytes = 0;
  private peakBytes = 0;
  private peakMessages = 0;
  private readonly refused: Record<OutageBound, number> = { bytes: 0, messages: 0, deadline: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limits: ResolvedOutageOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** A snapshot of the counters. */
  get counters(): OutageBudgetCounters {
    return {
      messages: this.heldMessages,
      bytes: this.heldBytes,
      unconfirmedMessages: this.keptMessages,
      unconfirmedBytes: this.keptBytes,
      peakBytes: this.peakBytes,
      peakMessages: this.peakMessages,
      refused: { ...this.refused },
    };
  }

  /**
   * Counts one message of `bytes` until it is released; `onExpire` runs (once) if it is still held at
   * the deadline. Throws OutageBudgetError ('messages' or 'bytes') when it does not fit beside what
   * is held and kept unconfirmed. `counted`: the message was counted a moment ago (kept unconfirmed,
   * and lost with its connection): it moves here without a check, so that the move cannot refuse it.
   */
  admit(bytes: number, onExpire: (error: OutageBudgetError) => void, counted = false): OutageHold {
    if (!counted) this.check(bytes);
    const hold = new OutageHold(this, bytes, this.now() + this.limits.deadlineMs, onExpire);
    this.heldMessages += 1;
    this.heldBytes += bytes;
    this.peaks();
    this.queue.push(hold);
    if (this.timer === undefined) this.arm(hold.expiresAt);
    return hold;
  }

  /**
   * Counts one message written to the socket and kept for a re-send until unkeep(): no deadline.
   * Throws OutageBudgetError as admit() does; `counted` as admit() (a held entry sent now).
   */
  keep(bytes: number, counted = false): void {
    if (!counted) this.check(bytes);
    this.keptMessages += 1;
    this.keptBytes += bytes;
    this.peaks();
  }

  /** A kept message was confirmed, nacked or lost: once per keep(). */
  unkeep(bytes: number): void {
    this.keptMessages -= 1;
    this.keptBytes -= bytes;
  }

  /** @internal A hold was released. */
  returned(hold: OutageHold): void {
    this.heldMessages -= 1;
    this.heldBytes -= hold.bytes;
    if (this.heldMessages === 0) this.reset();
  }

  private check(bytes: number): void {
    if (this.heldMessages + this.keptMessages + 1 > this.limits.maxMessages) throw this.refuse('messages', bytes);
    if (this.heldBytes + this.keptBytes + bytes > this.limits.maxBytes) throw this.refuse('bytes', bytes);
  }

  private peaks(): void {
    const bytes = this.heldBytes + this.keptBytes;
    const messages = this.heldMessages + this.keptMessages;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    if (messages > this.peakMessages) this.peakMessages = messages;
  }

  /** The error names what was counted when it refused: held and kept unconfirmed. */
  private refuse(bound: OutageBound, bytes: number): OutageBudgetError {
    this.refused[bound] += 1;
    const counted = { messages: this.heldMessages + this.keptMessages, bytes: this.heldBytes + this.keptBytes };
    return new OutageBudgetError(bound, counted, bytes, this.limits);
  }

  private reset(): void {
    this.queue = [];
    this.head = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.expireDue(), Math.max(0, at - this.now()));
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = this.now();
    for (;;) {
      const hold = this.queue[this.head];
      if (hold === undefined) break;
      if (!hold.released) {
        if (hold.expiresAt > now) break;
        this.refused.deadline += 1;
        hold.expire(
          new OutageBudgetError(
            'deadline',
            { messages: this.heldMessages, bytes: this.heldBytes },
            hold.bytes,
            this.limits,
          ),
        );
        // expire() may have emptied the budget (reset): start over from the new head.
        continue;
      }
      this.queue[this.head] = undefined;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const next = this.queue[this.head];
    if (next !== undefined && this.timer === undefined) this.arm(next.expiresAt);
  }
}
