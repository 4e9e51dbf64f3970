/**
 * Callers of a RecoveringChannel waiting for an engine channel newer than one they saw (a call made
 * while it is suspended, publishWithRetry after a loss): resolved once the channel is OPEN on a newer
 * generation, all rejected when it closes for good. A wait that keeps a message in memory is counted
 * by the outage budget: refused at once past a bound, rejected with OutageBudgetError at its deadline.
 */
import type { OutageBudget, OutageHold } from './outage-budget.js';

interface GenerationWaiter {
  readonly afterGeneration: number;
  resolve(): void;
  reject(error: unknown): void;
  /** Set when the wait keeps a message in memory: its room in the outage budget. */
  hold: OutageHold | undefined;
}

export class GenerationWaiters {
  readonly #waiters = new Set<GenerationWaiter>();

  /**
   * Resolves once resolveNewerThan() passes a generation newer than `afterGeneration`. With a
   * `budget`, the wait holds a message of `bytes` there (OutageBudgetError when it does not fit, or
   * at its deadline); `counted`: the message was counted a moment ago (kept unconfirmed on the wire,
   * then lost), so it moves into the hold without a check.
   */
  wait(afterGeneration: number, budget?: OutageBudget, bytes = 0, counted = false): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: GenerationWaiter = { afterGeneration, resolve, reject, hold: undefined };
      if (budget !== undefined) {
        // Throws OutageBudgetError over a bound: the executor turns that into the rejection.
        waiter.hold = budget.admit(
          bytes,
          (error) => {
            this.#waiters.delete(waiter);
            reject(error);
          },
          counted,
        );
      }
      this.#waiters.add(waiter);
    });
  }

  /** The channel is OPEN on `generation`: every wait for an older one ends. */
  resolveNewerThan(generation: number): void {
    for (const waiter of [...this.#waiters]) {
      if (generation <= waiter.afterGeneration) continue;
      this.#waiters.delete(waiter);
      waiter.hold?.release();
      waiter.resolve();
    }
  }

  /** The channel closed for good: every wait fails with `error()`. */
  rejectAll(error: () => unknown): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) {
      waiter.hold?.release();
      waiter.reject(error());
    }
  }
}
