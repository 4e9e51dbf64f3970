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

  wait(bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: OutageWaiter = { resolve, reject, hold: undefined };
      // Throws OutageBudgetError over a bound: the executor turns that into the rejection.
      waiter.hold = this.budget.admit(bytes, (error) => {
        this.waiters.delete(waiter);
        reject(error);
      });
      this.waiters.add(waiter);
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
