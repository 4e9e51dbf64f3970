/**
 * Time for the in-memory broker (message and queue TTLs, queue expiry). The default clock reads
 * `globalThis.setTimeout` and `Date.now` at each call, never at import, so Jest's and Vitest's fake
 * timers drive it (`jest.advanceTimersByTime`, `vi.advanceTimersByTime`). A {@link ManualClock}
 * moves only when the test calls `broker.advance(ms)`.
 */

/** Cancels a timer set with {@link BrokerClock.setTimer}. */
export type CancelBrokerTimer = () => void;

/** Wall-clock milliseconds and one-shot timers. */
export interface BrokerClock {
  now(): number;
  setTimer(ms: number, fn: () => void): CancelBrokerTimer;
}

/** Real (or faked) timers, looked up on globalThis at each call. */
export const timersClock: BrokerClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = globalThis.setTimeout(fn, Math.max(0, ms));
    // A broker's pending TTL must not keep a test process alive.
    (handle as { unref?: () => void }).unref?.();
    return () => globalThis.clearTimeout(handle);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only by {@link ManualClock.advance}. */
export class ManualClock implements BrokerClock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  constructor(start = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): CancelBrokerTimer {
    const timer: ManualTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = end;
  }
}
