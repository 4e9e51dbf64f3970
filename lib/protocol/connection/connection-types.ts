/**
 * The Connection's callback, event and loop types. Those that name the connection are written for
 * any connection type `C`; connection.ts names them with Connection (ConnectionCallbacks,
 * ConnectionEvents), so the files below it need not import it.
 */
import type { AMQPError } from '../errors.js';
import type { Clock } from '../io/clock.js';
import type { TransportFactory } from '../io/socket-transport.js';

/** Callbacks given at construction (pika's on_open / on_open_error / on_close), for connection type `C`. */
export interface ConnectionCallbacksOf<C> {
  onOpen?: (connection: C) => void;
  /** Every attempt to open failed (or the bring-up was abandoned by close()/ioloop.stop()). */
  onOpenError?: (connection: C, error: AMQPError) => void;
  /** Called once an open connection reached CLOSED; `error` undefined = closed cleanly at our request. */
  onClose?: (connection: C, error: AMQPError | undefined) => void;
}

/** The events a connection of type `C` emits, with their arguments. */
export interface ConnectionEventsOf<C> {
  open: [connection: C];
  /** The connection reached CLOSED (after being open, or when every attempt to open failed). */
  close: [error: AMQPError | undefined];
  blocked: [reason: string];
  unblocked: [];
  backpressure: [];
  /** The outbound buffer went back under its high-water mark after a write went over it: `isWritable` again. */
  drain: [];
  /** An exception thrown by a user's callback or listener; the connection goes on. */
  error: [error: Error];
}

/** pika's ioloop: `start()` settles when the connection has fully closed, `stop()` closes it. */
export interface IOLoop {
  /** Resolves when the connection closed cleanly at our request; rejects with the error otherwise. */
  start(): Promise<void>;
  /** Closes the connection (or abandons the bring-up); `start()` then settles. */
  stop(): void;
}

/** Seams for tests (a scripted transport, a hand-driven clock); normal use passes nothing. */
export interface ConnectionInternals {
  clock?: Clock;
  transport?: TransportFactory;
}
