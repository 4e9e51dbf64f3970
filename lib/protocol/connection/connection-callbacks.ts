/**
 * The users' callbacks and listeners of one {@link Connection}, and the one way they run: each in its
 * own try/catch, so an exception goes to {@link reportUserError} and never back into the socket path.
 * Each `run*` calls the callbacks first, then emits the matching event.
 */
import type { EventEmitter } from 'node:events';
import type { AMQPError } from '../errors.js';
import type { ConnectionCallbacksOf, ConnectionEventsOf } from './connection-types.js';
import { reportUserError } from './report-error.js';

/** A close callback: `error` undefined = closed cleanly at our request. */
export type CloseCallbackOf<C> = (connection: C, error: AMQPError | undefined) => void;

/** `C` is the Connection (generic so that this file sits below connection.ts). */
export class ConnectionCallbackSet<C extends EventEmitter> {
  readonly #connection: C;
  readonly #onOpen: ConnectionCallbacksOf<C>['onOpen'];
  readonly #onOpenError: ConnectionCallbacksOf<C>['onOpenError'];
  /** Added to by the Connection's add*Callback methods. */
  readonly close: CloseCallbackOf<C>[] = [];
  readonly blocked: ((connection: C, reason: string) => void)[] = [];
  readonly unblocked: ((connection: C) => void)[] = [];
  readonly backpressure: ((connection: C) => void)[] = [];

  constructor(connection: C, callbacks: ConnectionCallbacksOf<C>) {
    this.#connection = connection;
    this.#onOpen = callbacks.onOpen;
    this.#onOpenError = callbacks.onOpenError;
    if (callbacks.onClose !== undefined) this.close.push(callbacks.onClose);
  }

  runOpen(): void {
    const onOpen = this.#onOpen;
    if (onOpen !== undefined) this.safely(() => onOpen(this.#connection), 'the onOpen callback');
    this.emit('open', this.#connection);
  }

  /** Every attempt failed or the bring-up was abandoned: onOpenError, then 'close'. */
  runOpenError(error: AMQPError): void {
    const onOpenError = this.#onOpenError;
    if (onOpenError !== undefined) this.safely(() => onOpenError(this.#connection, error), 'the onOpenError callback');
    this.emit('close', error);
  }

  /** The open connection reached CLOSED. */
  runClose(error: AMQPError | undefined): void {
    for (const cb of this.close) this.safely(() => cb(this.#connection, error), 'an onClose callback');
    this.emit('close', error);
  }

  runBlocked(reason: string): void {
    for (const cb of this.blocked) this.safely(() => cb(this.#connection, reason), 'a blocked callback');
    this.emit('blocked', reason);
  }

  runUnblocked(): void {
    for (const cb of this.unblocked) this.safely(() => cb(this.#connection), 'an unblocked callback');
    this.emit('unblocked');
  }

  runBackpressure(): void {
    for (const cb of this.backpressure) this.safely(() => cb(this.#connection), 'a backpressure callback');
    this.emit('backpressure');
  }

  /** Emits on the connection; a listener that throws is reported, not thrown. */
  emit<K extends keyof ConnectionEventsOf<C>>(event: K, ...args: ConnectionEventsOf<C>[K]): void {
    try {
      (this.#connection.emit as (e: K, ...a: ConnectionEventsOf<C>[K]) => boolean)(event, ...args);
    } catch (error) {
      reportUserError(this.#connection, error, `a '${String(event)}' listener`);
    }
  }

  /** Runs users' code (or engine code that calls it), reporting what it throws as `where` threw. */
  safely(fn: () => void, where: string): void {
    try {
      fn();
    } catch (error) {
      reportUserError(this.#connection, error, where);
    }
  }
}
