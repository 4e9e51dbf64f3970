/**
 * Start-up that waits for the broker, as Transport.RMQ's consumer does: a broker that starts after
 * the app (containers) is retried with backoff until it answers, bounded by `maxConnectionAttempts`
 * (-1: no limit) and `startupTimeout`. Each failed attempt is logged with where it went, never the
 * password. A broker that answered and refused (login, vhost, TLS) is final: no retry can cure it.
 */
import type { LoggerService } from '@nestjs/common';
import { ConnectionLostError, TimeoutError, type ConnectionParameters } from '../../protocol/index.js';
import { backoffCeiling, type BackoffPolicy } from '../../protocol/recovery/index.js';

/** How long and how often start-up tries. */
export interface StartupPlan {
  /** Attempts in all (each a pass over the hosts); -1 = until the timeout. */
  maxAttempts: number;
  timeoutMs: number;
  backoff: BackoffPolicy;
}

/** Start-up delays stay short: the app is waiting, not recovering under load. */
const STARTUP_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 5_000, multiplier: 2 };

/** The plan for `maxConnectionAttempts` / `startupTimeout`, spaced by `retryDelayMs` when given (reconnectTimeInSeconds). */
export function startupPlan(maxAttempts: number | undefined, timeoutMs: number | undefined, retryDelayMs?: number): StartupPlan {
  const backoff =
    retryDelayMs === undefined ? STARTUP_BACKOFF : { initialDelayMs: retryDelayMs, maxDelayMs: retryDelayMs, multiplier: 1 };
  return { maxAttempts: maxAttempts ?? 1, timeoutMs: timeoutMs ?? 60_000, backoff };
}

/** Whether another attempt could succeed: the socket failed or timed out (TlsError and refusals are final). */
function isRetryable(error: unknown): boolean {
  return error instanceof ConnectionLostError || error instanceof TimeoutError;
}

/** Runs `connect` until it succeeds or the plan is used up; rejects with the last attempt's error. */
export async function connectAtStartup<T>(
  connect: () => Promise<T>,
  hosts: readonly ConnectionParameters[],
  plan: StartupPlan,
  logger: LoggerService,
  signal?: AbortSignal,
): Promise<T> {
  const where = hosts.map((host) => host.displayUrl).join(', ');
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const connected = await connect();
      if (attempt > 1) logger.log(`connected to ${where} at attempt ${attempt}, after ${Date.now() - started} ms`);
      return connected;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const ceiling = backoffCeiling(plan.backoff, attempt);
      const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      const elapsed = Date.now() - started;
      const lastAttempt = plan.maxAttempts !== -1 && attempt >= plan.maxAttempts;
      if (!isRetryable(error) || lastAttempt || elapsed + delay > plan.timeoutMs || signal?.aborted === true) {
        if (plan.maxAttempts !== 1) {
          logger.error(`connection attempt ${attempt} to ${where} failed: ${message}; giving up after ${elapsed} ms`);
        }
        throw error;
      }
      logger.warn(`connection attempt ${attempt} to ${where} failed: ${message}; next attempt in ${delay} ms`);
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
