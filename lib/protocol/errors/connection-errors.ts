/**
 * The connection's errors: closed (by the broker, by us, by the socket), a refused login, TLS,
 * heartbeats, blocked too long, a method its state does not allow.
 */
import { AMQPError, type CloseInitiator, type CloseReason } from './base.js';
import { FrameError } from './frame-errors.js';

/** The connection was closed (by the broker with connection.close, by us, or by the socket going away). */
export class ConnectionClosedError extends AMQPError {
  readonly replyCode: number;
  readonly replyText: string;
  readonly classId: number;
  readonly methodId: number;
  readonly initiator: CloseInitiator;
  constructor(reason: CloseReason, message?: string, code = 'ERR_AMQP_CONNECTION_CLOSED') {
    super(message ?? `connection closed by ${reason.initiator}: ${reason.replyCode} ${reason.replyText}`, code);
    this.replyCode = reason.replyCode;
    this.replyText = reason.replyText;
    this.classId = reason.classId ?? 0;
    this.methodId = reason.methodId ?? 0;
    this.initiator = reason.initiator;
  }
}

/** The broker refused the login (403 ACCESS_REFUSED during connection start). Never names the password. */
export class AuthenticationError extends ConnectionClosedError {
  constructor(replyText: string, username?: string) {
    super(
      { replyCode: 403, replyText, initiator: 'broker' },
      `authentication refused${username === undefined ? '' : ` for user "${username}"`}: ${replyText}`,
      'ERR_AMQP_AUTHENTICATION',
    );
  }
}

/** The socket could not be opened, timed out or died (no AMQP close was exchanged). */
export class ConnectionLostError extends ConnectionClosedError {
  /** The socket's own error code (ECONNREFUSED, ENOTFOUND, ECONNRESET ...), when a socket error caused it. */
  readonly socketCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown }) {
    super({ replyCode: 320, replyText: message, initiator: 'client' }, message, 'ERR_AMQP_CONNECTION_LOST');
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.socketCode = typeof code === 'string' ? code : undefined;
  }

  /**
   * The socket's error, where Nest's ClientRMQ puts it (`error.err.code === 'ECONNREFUSED'`), so code
   * written for Transport.RMQ keeps working.
   */
  get err(): { code: string | undefined; message: string } | undefined {
    const cause = (this as { cause?: unknown }).cause;
    if (cause instanceof Error) return cause as Error & { code: string | undefined };
    return this.socketCode === undefined ? undefined : { code: this.socketCode, message: this.message };
  }
}

/**
 * TLS could not be set up with the broker: a certificate this side does not trust (or whose name
 * does not match), or an alert from the broker (no client certificate, an unknown CA, a handshake
 * failure). Another attempt would meet the same refusal, so it is not retried; `cause` is Node's
 * TLS error with its OpenSSL code.
 */
export class TlsError extends ConnectionClosedError {
  /** Node's / OpenSSL's code, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED or DEPTH_ZERO_SELF_SIGNED_CERT. */
  readonly tlsCode: string | undefined;
  constructor(where: string, cause: Error & { code?: string }) {
    const fromBroker = cause.code?.includes('_ALERT_') === true;
    const message = `TLS with ${where} failed${fromBroker ? ' (refused by the broker)' : ''}: ${cause.message}`;
    super({ replyCode: 320, replyText: message, initiator: fromBroker ? 'broker' : 'client' }, message, 'ERR_AMQP_TLS');
    (this as { cause?: unknown }).cause = cause;
    this.tlsCode = cause.code;
  }
}

/** No heartbeat or other byte from the broker within two heartbeat intervals. */
export class HeartbeatTimeoutError extends ConnectionLostError {
  constructor(timeoutSeconds: number) {
    super(`no data from the broker for ${2 * timeoutSeconds} s (heartbeat ${timeoutSeconds} s): connection declared dead`);
    (this as { code: string }).code = 'ERR_AMQP_HEARTBEAT_TIMEOUT';
  }
}

/**
 * Bytes waited in the socket and none reached the network for `write_timeout`: the path to the broker
 * is frozen (no FIN or RST came), so the link is declared dead without waiting for heartbeats.
 */
export class WriteTimeoutError extends ConnectionLostError {
  /** The write timeout that passed, in milliseconds. */
  readonly timeoutMs: number;
  /** Bytes still waiting to be written when the link was declared dead. */
  readonly pendingBytes: number;
  constructor(timeoutMs: number, pendingBytes: number) {
    super(
      `no outbound progress for ${timeoutMs} ms with ${pendingBytes} bytes waiting (write_timeout): connection declared dead`,
    );
    (this as { code: string }).code = 'ERR_AMQP_WRITE_TIMEOUT';
    this.timeoutMs = timeoutMs;
    this.pendingBytes = pendingBytes;
  }
}

/** The broker kept the connection blocked (connection.blocked) longer than blocked_connection_timeout. */
export class BlockedConnectionTimeoutError extends ConnectionLostError {
  constructor(timeoutSeconds: number) {
    super(`the broker kept the connection blocked for more than ${timeoutSeconds} s (blocked_connection_timeout)`);
    (this as { code: string }).code = 'ERR_AMQP_BLOCKED_TIMEOUT';
  }
}

/**
 * The broker sent a connection-level method (or a frame) that the connection's current state does not
 * allow; names the method and the state. Answered with connection.close 503 COMMAND_INVALID.
 */
export class ConnectionStateError extends FrameError {
  /** The connection state when the method arrived. */
  readonly state: string;
  /** The method at fault, e.g. `connection.tune`. */
  readonly method: string;
  constructor(method: string, state: string, replyCode = 503) {
    super(`unexpected ${method} in connection state ${state}`, replyCode, { channel: 0 }, 'ERR_AMQP_CONNECTION_STATE');
    this.state = state;
    this.method = method;
  }
}
