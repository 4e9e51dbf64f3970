/**
 * Everyone waiting on a connection: close() callers, updateSecret() callers, writers waiting for the
 * socket to drain, and ioloop.start(). When the connection ends, {@link ConnectionWaiters.settle}
 * settles them all, so no promise is ever left pending.
 */
import { deferred, type Deferred } from '../continuation.js';
import type { AMQPError } from '../errors.js';

export class ConnectionWaiters {
  #close: Deferred<void>[] = [];
  #secret: Deferred<void>[] = [];
  #drain: Deferred<void> | undefined;
  #loop: Deferred<void> | undefined;
  #settled = false;
  #loopError: AMQPError | undefined;

  /** Resolves when the connection has ended (however it ended). */
  closed(): Promise<void> {
    if (this.#settled) return Promise.resolve();
    const waiter = deferred<void>();
    this.#close.push(waiter);
    return waiter.promise;
  }

  /** Resolves on the next update-secret-ok (they come back in order). */
  secret(): Promise<void> {
    const waiter = deferred<void>();
    this.#secret.push(waiter);
    return waiter.promise;
  }

  secretUpdated(): void {
    this.#secret.shift()?.resolve();
  }

  /** Resolves on the next drain. */
  drain(): Promise<void> {
    this.#drain ??= deferred<void>();
    return this.#drain.promise;
  }

  drained(): void {
    const waiter = this.#drain;
    this.#drain = undefined;
    waiter?.resolve();
  }

  /** ioloop.start(): resolves on a clean close by us, rejects with the error otherwise. */
  loop(): Promise<void> {
    if (this.#loop === undefined) {
      this.#loop = deferred<void>();
      if (this.#settled) this.#settleLoop();
    }
    return this.#loop.promise;
  }

  /** Close waiters resolve; secret and drain waiters reject with `waiterError`; the loop per `loopError`. */
  settle(waiterError: AMQPError, loopError: AMQPError | undefined): void {
    this.#settled = true;
    this.#loopError = loopError;
    const drain = this.#drain;
    this.#drain = undefined;
    drain?.reject(waiterError);
    for (const waiter of this.#secret.splice(0)) waiter.reject(waiterError);
    for (const waiter of this.#close.splice(0)) waiter.resolve();
    this.#settleLoop();
  }

  #settleLoop(): void {
    const loop = this.#loop;
    if (loop === undefined) return;
    if (this.#loopError === undefined) loop.resolve();
    else loop.reject(this.#loopError);
  }
}
