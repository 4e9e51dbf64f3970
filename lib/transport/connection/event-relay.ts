/**
 * A connection holder's own listeners (`server.on(...)`, `client.on(...)`), fed from the shared
 * connection host's events, each followed by its Nest-named twin (`connect`, `disconnect`).
 * A listener that throws is logged and the others still run: nothing a listener does is thrown into
 * the connection's callbacks, and an 'error' with nobody listening is not thrown either.
 */
import { EventEmitter } from 'node:events';
import type { LoggerService } from '@nestjs/common';
import { nestEventAlias, type AmqpEventsMap, type AmqpHostEvent } from '../core/amqp.events.js';
import type { AmqpConnectionHost } from './connection-host.js';

export class AmqpEventRelay {
  private readonly listeners = new EventEmitter();

  constructor(
    /** Names the holder in the log line of a listener that threw. */
    private readonly owner: string,
    private readonly logger: LoggerService,
  ) {}

  on<E extends keyof AmqpEventsMap>(event: E, listener: AmqpEventsMap[E]): void {
    this.listeners.on(event, listener);
  }

  /** Calls every listener of `event`, then those of its Nest-named twin. */
  emit<E extends keyof AmqpEventsMap>(event: E, ...args: Parameters<AmqpEventsMap[E]>): void {
    for (const listener of this.listeners.listeners(event)) {
      try {
        (listener as (...values: Parameters<AmqpEventsMap[E]>) => void)(...args);
      } catch (error) {
        this.logger.error(`a ${this.owner} '${event}' listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const alias = nestEventAlias(event);
    if (alias !== undefined) this.emit(alias, ...(args as Parameters<AmqpEventsMap[typeof alias]>));
  }

  /**
   * Relays the host's events until the returned function is called. `before` sees each event first
   * (the holder's own bookkeeping, e.g. a log line for a loss).
   */
  follow(host: AmqpConnectionHost, before?: Partial<{ [E in AmqpHostEvent]: AmqpEventsMap[E] }>): () => void {
    const relays: { [E in AmqpHostEvent]: AmqpEventsMap[E] } = {
      connected: () => (before?.connected?.(), this.emit('connected')),
      disconnected: (error) => (before?.disconnected?.(error), this.emit('disconnected', error)),
      blocked: (reason) => (before?.blocked?.(reason), this.emit('blocked', reason)),
      unblocked: () => (before?.unblocked?.(), this.emit('unblocked')),
      error: (error) => (before?.error?.(error), this.emit('error', error)),
    };
    const events = Object.keys(relays) as AmqpHostEvent[];
    for (const event of events) host.on(event, relays[event]);
    return () => {
      for (const event of events) host.off(event, relays[event]);
    };
  }
}
