/**
 * The users' callbacks of a RecoveringConnection and how users' code runs there: each call in its
 * own try/catch, so what it throws goes to the 'error' listeners or a process warning
 * ({@link reportUserError}) and never breaks a recovery or a close half way. The recovery's events
 * also go to their diagnostics channels, whose subscribers hear them first.
 */
import type { EventEmitter } from 'node:events';
import { reportUserError } from '../connection/report-error.js';
import { diagnostics } from '../diagnostics.js';
import type { AMQPError } from '../errors.js';
import type { RecoveringConnectionEvents } from './recovering-connection-types.js';

/** Called once, when the connection `C` closes for good (not on a loss that is recovered). */
export type RecoveringCloseCallbackOf<C> = (connection: C, error: AMQPError | undefined) => void;

/** The callbacks given at construction, for connection type `C`. */
export interface RecoveringOpenCallbacksOf<C> {
  onOpen?: (connection: C) => void;
  onOpenError?: (connection: C, error: AMQPError) => void;
  onClose?: RecoveringCloseCallbackOf<C>;
}

/** `C` is the RecoveringConnection (generic so that this file sits below recovering-connection.ts). */
export class RecoveringCallbacks<C extends EventEmitter<RecoveringConnectionEvents>> {
  /** Added to by the connection's add*Callback methods. */
  readonly close: RecoveringCloseCallbackOf<C>[] = [];
  readonly blocked: Array<(connection: C, reason: string) => void> = [];
  readonly unblocked: Array<(connection: C) => void> = [];

  constructor(
    private readonly connection: C,
    private readonly given: RecoveringOpenCallbacksOf<C>,
  ) {
    if (given.onClose !== undefined) this.close.push(given.onClose);
  }

  /** The first connection opened: onOpen, then 'open'. */
  runOpen(): void {
    this.safely(() => this.given.onOpen?.(this.connection), 'onOpen');
    this.connection.emit('open');
  }

  /** The first connection failed: onOpenError (no event: `connect()` rejects). */
  runOpenError(error: AMQPError): void {
    this.safely(() => this.given.onOpenError?.(this.connection, error), 'onOpenError');
  }

  /** connection.blocked from the engine of the moment: the callbacks, then 'blocked'. */
  runBlocked(reason: string): void {
    for (const cb of this.blocked) this.safely(() => cb(this.connection, reason), 'blocked callback');
    this.connection.emit('blocked', reason);
  }

  runUnblocked(): void {
    for (const cb of this.unblocked) this.safely(() => cb(this.connection), 'unblocked callback');
    this.connection.emit('unblocked');
  }

  /** Closed for good: the close callbacks, then 'close'. */
  runClose(error: AMQPError | undefined): void {
    for (const cb of this.close) this.safely(() => cb(this.connection, error), 'close callback');
    this.emit('close', error);
  }

  report(error: unknown, where: string): void {
    reportUserError(this.connection, error, where);
  }

  safely(fn: () => void, where: string): void {
    try {
      fn();
    } catch (error) {
      this.report(error, where);
    }
  }

  /** A listener that throws must not break recovery. */
  emit<E extends keyof RecoveringConnectionEvents>(event: E, ...args: RecoveringConnectionEvents[E]): void {
    this.safely(() => {
      (this.connection.emit as (event: E, ...args: RecoveringConnectionEvents[E]) => boolean)(event, ...args);
    }, `'${event}' listener`);
  }

  /** An event of the recovery: 'recovering' and 'recovered' are published on their diagnostics channels first. */
  emitRecovery<E extends keyof RecoveringConnectionEvents>(event: E, ...args: RecoveringConnectionEvents[E]): void {
    if (event === 'recovering' && diagnostics.connectionRecovering.hasSubscribers) {
      diagnostics.connectionRecovering.publish({ connection: this.connection, error: args[0] as AMQPError });
    } else if (event === 'recovered' && diagnostics.connectionRecovered.hasSubscribers) {
      diagnostics.connectionRecovered.publish({ connection: this.connection });
    }
    this.emit(event, ...args);
  }
}
