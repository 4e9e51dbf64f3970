import type { AMQPError } from '../../protocol/errors.js';
import type { AmqpStatus } from './connection-types.js';

export type { AmqpStatus };

/** The names of the events a ServerAMQP (or any Nest-layer holder of a connection) emits through `on()`. */
export const AmqpEvent = {
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
  BLOCKED: 'blocked',
  UNBLOCKED: 'unblocked',
  ERROR: 'error',
  /** Nest's RmqEvents name of `connected`: both are emitted. */
  CONNECT: 'connect',
  /** Nest's RmqEvents name of `disconnected`: both are emitted. */
  DISCONNECT: 'disconnect',
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
  /** Nest's name (RmqEvents) for `connected`. */
  connect: () => void;
  /** Nest's name (RmqEvents) for `disconnected`. */
  disconnect: (error: AMQPError | undefined) => void;
};

/** The events a connection host emits; `connect` / `disconnect` are their Nest-named twins. */
export type AmqpHostEvent = Exclude<keyof AmqpEventsMap, 'connect' | 'disconnect'>;

/** The Nest-named twin of an event, emitted right after it. */
export function nestEventAlias(event: keyof AmqpEventsMap): 'connect' | 'disconnect' | undefined {
  return event === 'connected' ? 'connect' : event === 'disconnected' ? 'disconnect' : undefined;
}
