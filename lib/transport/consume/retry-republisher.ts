/**
 * The in-process retry's wait. The copy itself goes through the failure router's confirm channel
 * (see FailureRouter.copyForRetry): the count travels in the message (`x-retry-count`), so a poison
 * message stops after `attempts` whichever consumer gets it. The cost: the original holds a prefetch
 * slot during the delay, and a restart loses the wait (the broker redelivers the original); for long
 * delays use the broker-side retry (`retry.queue`).
 */
/**
 * Waits `ms`, or less once `signal` aborts (shutdown): a pending retry is then republished at once
 * so its original can be acked before the channel closes.
 */
export function retryDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
