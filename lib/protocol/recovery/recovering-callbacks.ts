/**
 * The users' callbacks of a RecoveringConnection and how users' code runs there: each call in its
 * own try/catch, so what it throws goes to the 'error' listeners or a process warning
 * ({@link reportUserError}) and never breaks a recovery or a close half way.
 */
import { reportUserError } from '../connection/report-error.js';
import type { AMQPError } from '../errors.js';
import type { RecoveringConnection } from './recovering-connection.js';
import type { RecoveringConnectionEvents } from './recovering-connection-types.js';

/** Called once, when the connection closes for good (not on a loss that is recovered). */
export type RecoveringCloseCallback = (connection: RecoveringConnection, error: AMQPError | undefined) => void;

export class RecoveringCallbacks {
  /** Added to by the connection's add*Callback methods. */
  readonly close: RecoveringCloseCallback[] = [];
  readonly blocked: Array<(connection: RecoveringConnection, reason: string) => void> = [];
  readonly unblocked: Array<(connection: RecoveringConnection) => void> = [];

  constructor(private readonly connection: RecoveringConnection) {}

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
}
