/**
 * The typed errors a connection ends with when the fault is ours or the link's (a deadline passed,
 * the socket went, the broker broke the protocol, our own code threw, the user closed it before it
 * opened), the close reason each one reports, and the error its channels then settle with. A close
 * by the broker is close-reasons.ts.
 */
import type { AnyMethod } from '../codec/index.js';
import {
  AMQPError,
  BlockedConnectionTimeoutError,
  ConnectionClosedError,
  ConnectionLostError,
  FrameError,
  type ConnectionStateError,
  HeartbeatTimeoutError,
  TimeoutError,
  type CloseReason,
} from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';
import type { ConnectionState } from './connection-state.js';

/** The error for a deadline that ends the connection when it passes. */
export function deadlineError(
  due: 'stack' | 'handshake' | 'blocked' | 'heartbeat-dead',
  params: ConnectionParameters,
  state: ConnectionState,
  heartbeat: number,
): AMQPError {
  switch (due) {
    case 'handshake':
      return new TimeoutError(
        `the peer at ${params.host}:${params.port} accepted the connection but sent no AMQP greeting (connection.start) within handshake_timeout ${params.handshakeTimeout} s`,
        params.handshakeTimeout * 1000,
        'ERR_AMQP_HANDSHAKE_TIMEOUT',
      );
    case 'stack':
      return new TimeoutError(
        `connection bring-up did not finish within stack_timeout ${params.stackTimeout} s (state ${state})`,
        params.stackTimeout * 1000,
        'ERR_AMQP_STACK_TIMEOUT',
      );
    case 'blocked':
      return new BlockedConnectionTimeoutError(params.blockedConnectionTimeout ?? 0);
    case 'heartbeat-dead':
      return new HeartbeatTimeoutError(heartbeat);
  }
}

/** The socket went right after start-ok: the broker drops a login it refuses without a word. */
export function lostAfterStartOk(error: AMQPError): ConnectionLostError {
  return new ConnectionLostError(`${error.message} after connection.start-ok (probable authentication failure)`, {
    cause: error,
  });
}

/** close() before OPEN: the attempt is abandoned. */
export function closedDuringBringUp(
  replyCode: number,
  replyText: string,
  state: ConnectionState,
): ConnectionClosedError {
  const reason: CloseReason = { replyCode, replyText, initiator: 'client' };
  return new ConnectionClosedError(reason, `connection closed by the client during the bring-up (state ${state})`);
}

/** close() or ioloop.stop() before any attempt got a machine going: the bring-up is abandoned. */
export function abandonedBeforeOpen(replyCode = 200, replyText = 'Normal shutdown'): ConnectionClosedError {
  return new ConnectionClosedError(
    { replyCode, replyText, initiator: 'client' },
    'connection closed by the client before it opened',
  );
}

/**
 * The ConnectionClosedError a connection's channels and channel-side waiters settle with: the one the
 * connection ended with, else one made of its close reason, caused by whatever it did end with.
 */
export function channelsClosedError(
  finalError: AMQPError | undefined,
  closeReason: CloseReason | undefined,
): ConnectionClosedError {
  if (finalError instanceof ConnectionClosedError) return finalError;
  const closed = new ConnectionClosedError(
    closeReason ?? { replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' },
  );
  if (finalError !== undefined) (closed as { cause?: unknown }).cause = finalError;
  return closed;
}

/** A fault on our side of the wire: the error to finish with, and what connection.close tells the broker. */
export interface LocalFailure {
  error: AMQPError;
  replyCode: number;
  replyText: string;
}

/** A frame for a channel that is not open: a 504 CHANNEL_ERROR naming the method. */
export function unknownChannel(channel: number, method: AnyMethod): LocalFailure {
  const replyText = `CHANNEL_ERROR - ${method.name} for channel ${channel}, which is not open`;
  const error = new ConnectionClosedError(
    { replyCode: 504, replyText, classId: method.id >>> 16, methodId: method.id & 0xffff, initiator: 'client' },
  );
  return { error, replyCode: 504, replyText };
}

/** An illegal (state, method): the error's reply code, and a text naming the method. */
export function violation(error: ConnectionStateError): LocalFailure {
  return { error, replyCode: error.replyCode, replyText: `COMMAND_INVALID - ${error.message}` };
}

/**
 * Something thrown while applying a method (negotiation, credentials, encoding): connection.close
 * tells the broker a FrameError's own code and text, else 541 INTERNAL_ERROR.
 */
export function internalFailure(thrown: unknown, method: AnyMethod): LocalFailure {
  const error =
    thrown instanceof AMQPError
      ? thrown
      : new ConnectionLostError(`internal error while handling ${method.name}: ${String(thrown)}`, { cause: thrown });
  const replyCode = error instanceof FrameError ? error.replyCode : 541;
  const replyText = error instanceof FrameError ? error.message : 'INTERNAL_ERROR - the client could not go on';
  return { error, replyCode, replyText };
}

/** The close reason of a connection that ended on `error` without a connection.close exchanged. */
export function localCloseReason(error: AMQPError): CloseReason {
  const replyCode = error instanceof FrameError ? error.replyCode : 320;
  return { replyCode, replyText: error.message, initiator: 'client' };
}

/** Node threw before any socket existed (e.g. unusable TLS options): the attempt fails as a lost socket. */
export function socketNotOpened(parameters: ConnectionParameters, thrown: unknown): ConnectionLostError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const where = `${parameters.host}:${parameters.port}`;
  return new ConnectionLostError(`could not open a socket to ${where}: ${message}`, { cause: thrown });
}
