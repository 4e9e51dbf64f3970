/**
 * The one timer of a Connection, armed at its current machine's next deadline and re-armed after each
 * run while that machine lives. Unref'd: the socket keeps the process alive while there is one; a
 * timer alone must not.
 */
import type { EventEmitter } from 'node:events';
import type { CancelTimer, Clock } from '../io/clock.js';
import type { ConnectionCallbackSet } from './connection-callbacks.js';
import type { ConnectionMachine } from './connection-machine.js';

export class ConnectionTimer {
  readonly #clock: Clock;
  readonly #current: () => ConnectionMachine | undefined;
  readonly #callbacks: Pick<ConnectionCallbackSet<EventEmitter>, 'safely'>;
  #cancel: CancelTimer | undefined;

  constructor(
    clock: Clock,
    current: () => ConnectionMachine | undefined,
    callbacks: Pick<ConnectionCallbackSet<EventEmitter>, 'safely'>,
  ) {
    this.#clock = clock;
    this.#current = current;
    this.#callbacks = callbacks;
  }

  cancel(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  /** Arms the timer at the current machine's next deadline (disarmed when it has none). */
  rearm(): void {
    this.cancel();
    const machine = this.#current();
    const at = machine?.nextDeadline();
    if (machine === undefined || at === undefined) return;
    const fire = (): void => {
      this.#cancel = undefined;
      this.#callbacks.safely(() => machine.onTimer(), 'the connection timer');
      if (this.#current() === machine && machine.state !== 'CLOSED' && this.#cancel === undefined) this.rearm();
    };
    this.#cancel = this.#clock.setTimer(at - this.#clock.now(), fire, false);
  }
}
