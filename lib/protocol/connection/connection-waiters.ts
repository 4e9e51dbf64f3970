/**
 * Everyone waiting on a connection: close() callers, updateSecret() callers, writers waiting for the
 * socket to drain, and ioloop.start(). When the connection ends, {@link ConnectionWaiters.settle}
 * settles them all, so no promise is ever left pending.
 */
import { deferred, type Deferred } from '../continuation.js';
import { RpcTimeoutError, type AMQPError } from '../errors.js';
import type { CancelTimer } from '../io/clock.js';

/** An update-secret waiting for its reply, with its timeout's cancel. */
interface SecretWaiter {
  deferred: Deferred<void>;
  cancel: CancelTimer | undefined;
}

export class ConnectionWaiters {
  #close: Deferred<void>[] = [];
  #secret: SecretWaiter[] = [];
  /** update-secret-ok replies still owed to callers that timed out: they are read and dropped, in order. */
  #lateSecretOks = 0;
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

  /**
   * Resolves on the next update-secret-ok (they come back in order); with `timeout`, rejects with an
   * RpcTimeoutError when none came in time, and the reply that comes late is then dropped.
   */
  secret(timeout?: { ms: number; setTimer: (ms: number, fn: () => void) => CancelTimer }): Promise<void> {
    const waiter: SecretWaiter = { deferred: deferred<void>(), cancel: undefined };
    this.#secret.push(waiter);
    if (timeout !== undefined && timeout.ms > 0) {
      waiter.cancel = timeout.setTimer(timeout.ms, () => {
        const at = this.#secret.indexOf(waiter);
        if (at < 0) return;
        this.#secret.splice(at, 1);
        this.#lateSecretOks += 1;
        waiter.deferred.reject(new RpcTimeoutError('connection.update-secret', 0, timeout.ms));
      });
    }
    return waiter.deferred.promise;
  }

  secretUpdated(): void {
    if (this.#lateSecretOks > 0) {
      this.#lateSecretOks -= 1;
      return;
    }
    const waiter = this.#secret.shift();
    waiter?.cancel?.();
    waiter?.deferred.resolve();
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
    for (const waiter of this.#secret.splice(0)) {
      waiter.cancel?.();
      waiter.deferred.reject(waiterError);
    }
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
