/**
 * Callers of RecoveringConnection.whenReady() (and of channel(), updateSecret()) waiting out the
 * bring-up or a recovery: all resolved when the connection is OPEN, all rejected when it closes for
 * good first.
 */
import { deferred, type Deferred } from '../continuation.js';
import type { OutageBudget, OutageHold } from './outage-budget.js';

export class ReadyWaiters {
  private readonly waiters: Deferred<void>[] = [];

  wait(): Promise<void> {
    const waiter = deferred<void>();
    this.waiters.push(waiter);
    return waiter.promise;
  }

  resolveAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  rejectAll(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}

interface OutageWaiter {
  resolve(): void;
  reject(error: unknown): void;
  hold: OutageHold | undefined;
}

/**
 * Callers of RecoveringConnection.waitOutOutage(bytes): like ReadyWaiters, but each one keeps a
 * message in memory, so each is admitted by the outage budget (refused at once past a bound) and
 * leaves, rejected, at its deadline.
 */
export class OutageWaiters {
  private readonly waiters = new Set<OutageWaiter>();

  constructor(private readonly budget: OutageBudget) {}

  wait(bytes: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.waiters.delete(waiter)) return;
        // Given up by its caller: the bytes leave the budget now, not at the end of the outage.
        waiter.hold?.release();
        reject(signal?.reason);
      };
      const settled = (): void => signal?.removeEventListener('abort', onAbort);
      const waiter: OutageWaiter = {
        resolve: () => (settled(), resolve()),
        reject: (error) => (settled(), reject(error)),
        hold: undefined,
      };
      // Throws OutageBudgetError over a bound: the executor turns that into the rejection.
      waiter.hold = this.budget.admit(bytes, (error) => {
        this.waiters.delete(waiter);
        waiter.reject(error);
      });
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  resolveAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) {
      waiter.hold?.release();
      waiter.resolve();
    }
  }

  rejectAll(error: unknown): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) {
      waiter.hold?.release();
      waiter.reject(error);
    }
  }
}
