import type { AMQPError } from '../protocol/errors.js';
import type { AmqpStatus } from './shared/connection-host.js';

export type { AmqpStatus };

/** The names of the events a ServerAMQP (or any Nest-layer holder of a connection) emits through `on()`. */
export const AmqpEvent = {
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
  BLOCKED: 'blocked',
  UNBLOCKED: 'unblocked',
  ERROR: 'error',
} as const;

/** One of {@link AmqpEvent}'s values. */
export type AmqpEventName = (typeof AmqpEvent)[keyof typeof AmqpEvent];

/**
 * Listener signatures per event, for `server.on(event, listener)`.
 * `disconnected` carries the error the connection died with (undefined after our own close).
 */
export type AmqpEventsMap = {
  connected: () => void;
  disconnected: (error: AMQPError | undefined) => void;
  blocked: (reason: string) => void;
  unblocked: () => void;
  /** A failure that did not stop the server: a consumer cancelled by the broker, a channel closed under it. */
  error: (error: Error) => void;
};
