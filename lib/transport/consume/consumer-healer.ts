/**
 * The healing of a ConsumerRunner: when the broker ends its channel or its consumer, the consumer is
 * restarted with backoff until it consumes again or its attempts run out; then, or with healing off,
 * the runner's owner is told once. Its own file so that the restart state (attempt, cause, the wait
 * to wake) has one keeper, apart from the channel and delivery state of the runner.
 */
import type { LoggerService } from '@nestjs/common';
import { healingDelay } from '../options/consumer-healing.options.js';
import type { ConsumerSpec } from './consumer-specs.js';
import { describeError } from './message-identity.js';
import { retryDelay } from './retry-republisher.js';

/** What the healer needs of its ConsumerRunner. */
export interface ConsumerHealerHost {
  /** Stopped on purpose (cancel, close): a restart is not tried, the owner not told. */
  stopping(): boolean;
  /** A new channel, its topology declared again; in turn with pause and resume. */
  restart(): Promise<void>;
  /** Down for good: the owner is told (one ERROR naming the cause). */
  down(error: Error): void;
}

export class ConsumerHealer {
  /** Set while restarting after the broker ended the consumer. */
  private now: { attempt: number; cause: Error } | undefined;
  /** Why it is down for good (its restarts failed, or healing is off); cleared by resume(). */
  private cause: Error | undefined;
  /** Wakes a healing wait early (stop). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly logger: LoggerService,
    private readonly host: ConsumerHealerHost,
  ) {}

  /** The restart under way, if any: its attempt and the cause. */
  get healing(): { readonly attempt: number; readonly cause: Error } | undefined {
    return this.now;
  }

  /** Why the consumer is down for good, until it is started again. */
  get downReason(): Error | undefined {
    return this.cause;
  }

  /** Down for good and no restart under way: resume() starts it again. */
  get isDown(): boolean {
    return this.cause !== undefined && this.now === undefined;
  }

  /** Started again by resume(). */
  revived(): void {
    this.cause = undefined;
  }

  /** Stopped on purpose: a backoff wait under way ends now (and the healing with it). */
  stop(): void {
    this.wake?.();
  }

  /**
   * The broker ended the channel or the consumer. With healing on, the consumer is restarted with
   * backoff (a new channel, its topology declared again) until it consumes or its attempts run out;
   * then, or with healing off, the owner is told once (one ERROR naming the cause).
   */
  lost(cause: Error): void {
    if (this.now !== undefined) return;
    const healing = this.spec.healing;
    if (healing === undefined || healing === false) {
      this.cause = cause;
      this.host.down(cause);
      return;
    }
    this.now = { attempt: 0, cause };
    void this.heal(healing, cause);
  }

  private async heal(healing: Exclude<ConsumerSpec['healing'], false | undefined>, cause: Error): Promise<void> {
    let last = cause;
    for (let attempt = 1; attempt <= healing.attempts; attempt += 1) {
      const delay = healingDelay(healing, attempt);
      this.now = { attempt, cause: last };
      this.logger.warn?.(
        `${this.spec.label} lost its consumer (${describeError(last)}); restarting in ${delay} ms (attempt ${attempt} of ${healing.attempts})`,
      );
      const wake = new AbortController();
      this.wake = () => wake.abort();
      await retryDelay(delay, wake.signal);
      this.wake = undefined;
      if (this.host.stopping()) break;
      try {
        await this.host.restart();
        this.now = undefined;
        this.cause = undefined;
        this.logger.log?.(`${this.spec.label} consuming again after ${attempt} restart attempt(s)`);
        return;
      } catch (error) {
        last = error instanceof Error ? error : new Error(describeError(error));
      }
    }
    this.now = undefined;
    if (this.host.stopping()) return;
    this.cause = last;
    this.host.down(new Error(`${this.spec.label} stays down after ${healing.attempts} restart attempt(s): ${describeError(last)}`));
  }
}
