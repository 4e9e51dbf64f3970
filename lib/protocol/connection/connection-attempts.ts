/**
 * The walk over the host list for one Connection: the next attempt now or after its pause (the
 * attempt plan's), the end of the list, a close() that stops the walk and drops a pending retry, and
 * the warning for TLS without verification, given once per connection whichever host is tried.
 */
import { ConnectionLostError, type AMQPError } from '../errors.js';
import { abandonedBeforeOpen } from './connection-failures.js';
import type { CancelTimer, Clock } from '../io/clock.js';
import type { ConnectionParameters } from '../parameters/index.js';
import { AttemptPlan } from './attempt-plan.js';
import { tlsVerificationOff, warnTlsVerificationOff } from './tls-warning.js';

/** What the attempts drive on their connection. */
export interface ConnectionAttemptHooks {
  /** Starts an attempt on these parameters. */
  start(parameters: ConnectionParameters): void;
  /** No host is left to try, or the walk was stopped: the connection failed to open with `error`. */
  exhausted(error: AMQPError): void;
  /** Runs `fn`, reporting what it throws (a timer's callback has no caller to throw to). */
  safely(fn: () => void, where: string): void;
}

/** The attempts of one Connection, over its host list (one AttemptPlan). */
export class ConnectionAttempts {
  readonly #plan: AttemptPlan;
  readonly #clock: Clock;
  readonly #hooks: ConnectionAttemptHooks;
  #cancelRetry: CancelTimer | undefined;
  #stopped = false;
  #warnedTlsVerificationOff = false;

  constructor(list: readonly ConnectionParameters[], clock: Clock, hooks: ConnectionAttemptHooks) {
    this.#plan = new AttemptPlan(list);
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** True once close() was called: no attempt starts any more. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** close() was called: the next attempt, if any, gives up instead of starting. */
  stop(): void {
    this.#stopped = true;
  }

  /** Starts the next attempt, after its pause when it has one; `lastError` is the failure to end with when none is left. */
  next(lastError: AMQPError | undefined): void {
    if (this.#stopped) {
      this.#hooks.exhausted(lastError ?? abandonedBeforeOpen());
      return;
    }
    const attempt = this.#plan.next();
    if (attempt === undefined) {
      this.#hooks.exhausted(lastError ?? new ConnectionLostError('no host to connect to'));
      return;
    }
    if (attempt.delayMs === 0) {
      this.#hooks.start(attempt.parameters);
      return;
    }
    this.#cancelRetry = this.#clock.setTimer(attempt.delayMs, () => {
      this.#cancelRetry = undefined;
      this.#hooks.safely(() => this.#hooks.start(attempt.parameters), 'a connection attempt');
    });
  }

  /** Drops the attempt waiting out its pause; false when none was waiting. */
  cancelPending(): boolean {
    if (this.#cancelRetry === undefined) return false;
    this.#cancelRetry();
    this.#cancelRetry = undefined;
    return true;
  }

  /** Warns when `parameters` turn TLS verification off, the first time only. */
  warnTlsOnce(parameters: ConnectionParameters): void {
    if (this.#warnedTlsVerificationOff || !tlsVerificationOff(parameters)) return;
    this.#warnedTlsVerificationOff = true;
    warnTlsVerificationOff(parameters);
  }
}
