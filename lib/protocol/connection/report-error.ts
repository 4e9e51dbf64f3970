/**
 * Where an exception from users' code (a callback or an event listener) goes: to the connection's
 * 'error' listeners when there are any, else a process warning. It never travels back into the
 * socket path, and the connection goes on.
 */
import type { EventEmitter } from 'node:events';

export function reportUserError(emitter: EventEmitter, thrown: unknown, where: string): void {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (emitter.listenerCount('error') > 0) {
    try {
      emitter.emit('error', error);
      return;
    } catch {
      // An 'error' listener that throws falls through to the warning.
    }
  }
  process.emitWarning(`${where} threw: ${error.stack ?? error.message}`, { code: 'AMQP_CALLBACK_ERROR' });
}
