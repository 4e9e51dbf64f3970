/**
 * Callers of RecoveringConnection.whenReady() (and of channel(), updateSecret()) waiting out the
 * bring-up or a recovery: all resolved when the connection is OPEN, all rejected when it closes for
 * good first.
 */
import { deferred, type Deferred } from '../continuation.js';

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
