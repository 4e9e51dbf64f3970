/**
 * The connection's states and every transition between them, as data.
 *
 * Rules (everything that moves the connection from one state to another is decided here):
 * - CLOSED is where a connection starts and ends. Starting an attempt enters INIT (socket connecting).
 * - INIT -> PROTOCOL when the socket is up: the protocol header is sent.
 * - PROTOCOL -> START on connection.start: start-ok is sent with the chosen SASL mechanism.
 * - START stays on connection.secure (secure-ok is sent) and moves to TUNE on connection.tune:
 *   tune-ok and connection.open are sent together.
 * - TUNE -> OPEN on connection.open-ok.
 * - OPEN stays on connection.blocked / unblocked / update-secret-ok; a local close moves it to
 *   CLOSING (connection.close sent); a broker connection.close is answered with close-ok -> CLOSED.
 * - CLOSING -> CLOSED on close-ok, or on the broker's own close (both sides closed at once: close-ok
 *   is sent back). Anything else on channel 0 while CLOSING is dropped, as the spec asks.
 * - A broker connection.close in START or TUNE ends the bring-up (403 in START = refused login,
 *   530 in TUNE = the virtual host is missing or not allowed).
 * - Not in the table, from any state: the socket lost, a timeout (stack, heartbeat, blocked, close-ok),
 *   a frame error, or a local close during the bring-up -> CLOSED at once.
 * - Any other (state, method) pair is illegal: a {@link ConnectionStateError} naming both, answered
 *   with connection.close 503 COMMAND_INVALID.
 */
import { ConnectionStateError } from '../errors.js';

/** Where a connection is in its life. */
export type ConnectionState = 'CLOSED' | 'INIT' | 'PROTOCOL' | 'START' | 'TUNE' | 'OPEN' | 'CLOSING';

/** Local events that move the state machine, beside the broker's channel-0 methods. */
export type LocalEvent = 'socket-connected' | 'close-requested';

/** The channel-0 methods a broker may send a client. */
export type IncomingConnectionMethod =
  | 'connection.start'
  | 'connection.secure'
  | 'connection.tune'
  | 'connection.open-ok'
  | 'connection.close'
  | 'connection.close-ok'
  | 'connection.blocked'
  | 'connection.unblocked'
  | 'connection.update-secret-ok';

/** What can arrive at the table. */
export type ConnectionEvent = IncomingConnectionMethod | LocalEvent;

/** (state, event) -> next state. A missing entry is an illegal transition. */
export const CONNECTION_TRANSITIONS: Readonly<
  Record<ConnectionState, Readonly<Partial<Record<ConnectionEvent, ConnectionState>>>>
> = {
  CLOSED: {},
  INIT: { 'socket-connected': 'PROTOCOL' },
  PROTOCOL: { 'connection.start': 'START' },
  START: { 'connection.secure': 'START', 'connection.tune': 'TUNE', 'connection.close': 'CLOSED' },
  TUNE: { 'connection.open-ok': 'OPEN', 'connection.close': 'CLOSED' },
  OPEN: {
    'connection.close': 'CLOSED',
    'connection.blocked': 'OPEN',
    'connection.unblocked': 'OPEN',
    'connection.update-secret-ok': 'OPEN',
    'close-requested': 'CLOSING',
  },
  CLOSING: {
    'connection.close-ok': 'CLOSED',
    'connection.close': 'CLOSED',
    'connection.blocked': 'CLOSING',
    'connection.unblocked': 'CLOSING',
    'connection.update-secret-ok': 'CLOSING',
  },
};

/**
 * The state `event` leads to from `state`.
 * @throws ConnectionStateError when the table has no such transition (names event and state).
 */
export function nextConnectionState(state: ConnectionState, event: string): ConnectionState {
  const next = (CONNECTION_TRANSITIONS[state] as Partial<Record<string, ConnectionState>>)[event];
  if (next === undefined) throw new ConnectionStateError(event, state);
  return next;
}
