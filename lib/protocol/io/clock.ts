/**
 * Time for the sans-IO machines: a monotonic `now()` and one-shot timers. The connection asks for a
 * single timer at its next deadline; tests pass a clock they advance by hand.
 */
import { performance } from 'node:perf_hooks';

/** Cancels a timer set with {@link Clock.setTimer}. */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. `ref: false` lets the process exit while it is pending. */
  setTimer(ms: number, fn: () => void, ref?: boolean): CancelTimer;
}

/** The real clock: performance.now() and setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn, ref = true) {
    const handle = setTimeout(fn, Math.max(0, ms));
    if (!ref) handle.unref();
    return () => clearTimeout(handle);
  },
};
