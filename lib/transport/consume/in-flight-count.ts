/**
 * The deliveries of a consumer whose handling has not finished, and who waits for none to be left.
 * A counter and idle waiters, not a set of promises: no per-delivery allocation beyond the handling itself.
 */
export class InFlightCount {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  get value(): number {
    return this.count;
  }

  started(): void {
    this.count += 1;
  }

  /** One delivery's handling ended; wakes `drain` when none is left. */
  readonly finished = (): void => {
    this.count -= 1;
    if (this.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  /** Resolves true once every in-flight delivery has finished, false if `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      const idle = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
      return await Promise.race([idle, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
