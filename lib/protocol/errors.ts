/**
 * One error tree for the whole package. Every failure is an {@link AMQPError} with a stable `code`;
 * protocol failures carry the AMQP reply code and text, the class and method that caused them, and
 * whether the broker or this side closed.
 */

/** Who ended a connection or channel. */
export type CloseInitiator = 'broker' | 'client';

/** Base of every error this package throws or rejects with. */
export class AMQPError extends Error {
  /** Stable machine-readable code, e.g. `ERR_AMQP_FRAME`. */
  readonly code: string;
  constructor(message: string, code = 'ERR_AMQP', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Fields of a close (connection.close / channel.close) as the spec carries them. */
export interface CloseReason {
  replyCode: number;
  replyText: string;
  classId?: number;
  methodId?: number;
  initiator: CloseInitiator;
}

/** A malformed or unexpected frame, inbound or outbound. `replyCode` is 501, 502, 503 or 505. */
export class FrameError extends AMQPError {
  readonly replyCode: number;
  /** Byte offset in the inbound stream (or in the value being encoded) where the problem was found. */
  readonly offset: number | undefined;
  /** Channel number of the offending frame, when known. */
  readonly channel: number | undefined;
  constructor(
    message: string,
    replyCode = 501,
    where: { offset?: number; channel?: number } = {},
    code = 'ERR_AMQP_FRAME',
  ) {
    super(message, code);
    this.replyCode = replyCode;
    this.offset = where.offset;
    this.channel = where.channel;
  }
}

/**
 * Content (basic.deliver, basic.return, basic.get-ok) for a channel that is not open, or numbered
 * above the negotiated channel_max: refused at its method frame, before any of its body is kept,
 * and answered with connection.close 504 CHANNEL_ERROR.
 */
export class UnknownChannelError extends FrameError {
  /** The content-carrying method at fault. */
  readonly method: string;
  constructor(channel: number, method: string, channelMax: number) {
    const why = channel > channelMax ? `above channel_max ${channelMax}` : 'which is not open';
    super(`${method} with content for channel ${channel}, ${why}`, 504, { channel }, 'ERR_AMQP_UNKNOWN_CHANNEL');
    this.method = method;
  }
}

/**
 * The peer answered the protocol header with bytes no AMQP 0-9-1 broker sends first (an HTTP, TLS,
 * SSH or SMTP server on that port, say). Not retried: the same address would answer the same.
 */
export class NotAmqpPeerError extends FrameError {
  readonly host: string;
  readonly port: number;
  /** The first bytes the peer sent, printable and escaped (at most 12 bytes' worth). */
  readonly sent: string;
  constructor(host: string, port: number, sent: string) {
    super(`the peer at ${host}:${port} is not an AMQP 0-9-1 broker (it sent '${sent}')`, 501, { offset: 0, channel: 0 }, 'ERR_AMQP_NOT_AMQP_PEER');
    this.host = host;
    this.port = port;
    this.sent = sent;
  }
}

/** A value that cannot be encoded (short string over 255 bytes, header over frame_max, bad table value). */
export class EncodeError extends FrameError {
  constructor(message: string, replyCode = 502) {
    super(message, replyCode, {}, 'ERR_AMQP_ENCODE');
  }
}

/** An inbound content header announcing a body larger than the configured maximum. */
export class BodyTooLargeError extends FrameError {
  readonly bodySize: number;
  readonly maxBodySize: number;
  constructor(bodySize: number, maxBodySize: number, channel?: number) {
    super(
      `content body of ${bodySize} bytes exceeds the maximum of ${maxBodySize} bytes`,
      501,
      channel === undefined ? {} : { channel },
      'ERR_AMQP_BODY_TOO_LARGE',
    );
    this.bodySize = bodySize;
    this.maxBodySize = maxBodySize;
  }
}

/** What became of a message whose body was too large to take in (see {@link OversizeMessageError}). */
export type OversizeOutcome = 'rejected' | 'dropped' | 'unsettled' | 'returned';

/**
 * A message whose body was over `maxBodySize`: its body streamed past without being stored and the
 * connection went on. `outcome` says what became of it: `rejected` without requeue (dead-lettered
 * when its queue has a dead-letter exchange), `dropped` (an autoAck consumer: the broker had already
 * let it go), `unsettled` (a basic.get, or a delivery to no known consumer: settle it by
 * `deliveryTag`) or `returned` (a basic.return of a message this side published).
 */
export class OversizeMessageError extends AMQPError {
  readonly bodySize: number;
  readonly maxBodySize: number;
  readonly channel: number;
  /** basic.deliver, basic.get-ok or basic.return. */
  readonly method: string;
  readonly deliveryTag: number | undefined;
  readonly consumerTag: string | undefined;
  readonly messageId: string | undefined;
  readonly outcome: OversizeOutcome;
  constructor(
    tooLarge: BodyTooLargeError,
    where: {
      channel: number;
      method: string;
      deliveryTag?: number;
      consumerTag?: string;
      messageId?: string;
      outcome: OversizeOutcome;
    },
  ) {
    const what = [
      where.method,
      where.deliveryTag === undefined ? '' : ` ${where.deliveryTag}`,
      where.consumerTag === undefined ? '' : ` for consumer "${where.consumerTag}"`,
      where.messageId === undefined ? '' : ` (message id "${where.messageId}")`,
      ` on channel ${where.channel}`,
    ].join('');
    const fate = {
      rejected: 'rejected without requeue (dead-lettered if its queue has a dead-letter exchange)',
      dropped: 'the consumer is in autoAck mode, so the broker has already dropped it',
      unsettled: 'it is still unacknowledged: ack, nack or reject it by its delivery tag',
      returned: 'it was a returned message',
    }[where.outcome];
    super(
      `${what}: body of ${tooLarge.bodySize} bytes exceeds maxBodySize ${tooLarge.maxBodySize}; skipped unread, ${fate}`,
      'ERR_AMQP_OVERSIZE_MESSAGE',
      { cause: tooLarge },
    );
    this.bodySize = tooLarge.bodySize;
    this.maxBodySize = tooLarge.maxBodySize;
    this.channel = where.channel;
    this.method = where.method;
    this.deliveryTag = where.deliveryTag;
    this.consumerTag = where.consumerTag;
    this.messageId = where.messageId;
    this.outcome = where.outcome;
  }
}

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

/** A channel was closed by the broker (404, 406, 403 ...) or by us, or went with its connection. */
export class ChannelClosedError extends AMQPError {
  readonly replyCode: number;
  readonly replyText: string;
  readonly classId: number;
  readonly methodId: number;
  readonly initiator: CloseInitiator;
  readonly channel: number;
  constructor(channel: number, reason: CloseReason, message?: string) {
    super(
      message ?? `channel ${channel} closed by ${reason.initiator}: ${reason.replyCode} ${reason.replyText}`,
      'ERR_AMQP_CHANNEL_CLOSED',
    );
    this.channel = channel;
    this.replyCode = reason.replyCode;
    this.replyText = reason.replyText;
    this.classId = reason.classId ?? 0;
    this.methodId = reason.methodId ?? 0;
    this.initiator = reason.initiator;
  }
}

/** The broker nacked a publish in confirm mode. */
export class PublishNackedError extends AMQPError {
  readonly deliveryTag: number;
  constructor(deliveryTag: number) {
    super(`the broker nacked publish ${deliveryTag}`, 'ERR_AMQP_PUBLISH_NACKED');
    this.deliveryTag = deliveryTag;
  }
}

/** A bad argument or option, caught at the call before any byte is sent. */
export class InvalidArgumentError extends AMQPError {
  /** The argument or option at fault. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument}: ${message}`, 'ERR_AMQP_INVALID_ARGUMENT');
    this.argument = argument;
  }
}

/** A method called in a state that does not allow it (e.g. publish on a closed channel). */
export class InvalidStateError extends AMQPError {
  readonly state: string;
  constructor(message: string, state: string) {
    super(`${message} (state ${state})`, 'ERR_AMQP_INVALID_STATE');
    this.state = state;
  }
}

/** An operation did not finish in time (socket_timeout, stack_timeout, RPC timeout). */
export class TimeoutError extends AMQPError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, code = 'ERR_AMQP_TIMEOUT') {
    super(message, code);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A synchronous method (channel.open, channel.close, queue.declare ...) got no reply within
 * `rpcTimeout`. Its channel cannot tell a late reply from the next one any more, so it is closed
 * (channel.close sent, its number kept out of use until the broker's close-ok).
 */
export class RpcTimeoutError extends TimeoutError {
  /** The method that got no reply, e.g. `channel.open`. */
  readonly method: string;
  readonly channel: number;
  constructor(method: string, channel: number, timeoutMs: number) {
    super(`no reply to ${method} on channel ${channel} within ${timeoutMs / 1000} s (rpc_timeout)`, timeoutMs, 'ERR_AMQP_RPC_TIMEOUT');
    this.method = method;
    this.channel = channel;
  }
}

/** A URL or connection parameter that cannot be used. Names the argument, never the password. */
export class ParameterError extends InvalidArgumentError {}

/** A channel operation or event that its current state does not allow; names the channel, the method and the state. */
export class ChannelStateError extends InvalidStateError {
  readonly channel: number;
  /** The operation or event at fault, e.g. `basic.publish`, `close-ok`. */
  readonly method: string;
  constructor(channel: number, method: string, state: string) {
    super(`channel ${channel}: ${method} is not allowed`, state);
    this.channel = channel;
    this.method = method;
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

/** The broker kept the connection blocked (connection.blocked) longer than blocked_connection_timeout. */
export class BlockedConnectionTimeoutError extends ConnectionLostError {
  constructor(timeoutSeconds: number) {
    super(`the broker kept the connection blocked for more than ${timeoutSeconds} s (blocked_connection_timeout)`);
    (this as { code: string }).code = 'ERR_AMQP_BLOCKED_TIMEOUT';
  }
}

/** An RPC (Nest `send`, AmqpPublisher `request`) got no reply within its timeout. */
export class RequestTimeoutError extends TimeoutError {
  /** The pattern (or routing key) of the request. */
  readonly pattern: string;
  readonly correlationId: string;
  constructor(pattern: string, correlationId: string, timeoutMs: number) {
    super(`no reply to "${pattern}" (correlationId ${correlationId}) within ${timeoutMs} ms`, timeoutMs, 'ERR_AMQP_REQUEST_TIMEOUT');
    this.pattern = pattern;
    this.correlationId = correlationId;
  }
}

/** A mandatory publish the broker could not route and sent back (basic.return, e.g. 312 NO_ROUTE). */
export class MessageReturnedError extends AMQPError {
  readonly replyCode: number;
  readonly replyText: string;
  readonly exchange: string;
  readonly routingKey: string;
  constructor(replyCode: number, replyText: string, exchange: string, routingKey: string) {
    super(
      `the broker returned the message sent to exchange "${exchange}" with routing key "${routingKey}": ${replyCode} ${replyText}`,
      'ERR_AMQP_MESSAGE_RETURNED',
    );
    this.replyCode = replyCode;
    this.replyText = replyText;
    this.exchange = exchange;
    this.routingKey = routingKey;
  }
}

/**
 * An ack, nack or reject for a delivery that came on a channel which has since died: the broker has
 * already requeued that message, and the tag means nothing (or another message) on the recovered channel.
 */
export class StaleDeliveryError extends InvalidStateError {
  readonly deliveryTag: number;
  constructor(deliveryTag: number, reason: string) {
    super(`delivery ${deliveryTag} belongs to a channel that was lost: ${reason}`, 'STALE');
    (this as { code: string }).code = 'ERR_AMQP_STALE_DELIVERY';
    this.deliveryTag = deliveryTag;
  }
}

/** A basicPublish made while the connection is recovering with the publish buffer off (its bounds are OutageBudgetError's). */
export class PublishBufferFullError extends AMQPError {
  /** Messages and bytes held when the publish was refused, and the bounds (undefined = no bound). */
  readonly bufferedMessages: number;
  readonly bufferedBytes: number;
  readonly maxMessages: number | undefined;
  readonly maxBytes: number | undefined;
  constructor(held: { messages: number; bytes: number }, bounds: { maxMessages?: number; maxBytes?: number }) {
    const limits = [
      bounds.maxMessages === undefined ? undefined : `${bounds.maxMessages} messages`,
      bounds.maxBytes === undefined ? undefined : `${bounds.maxBytes} bytes`,
    ].filter((limit) => limit !== undefined);
    super(
      limits.length === 0
        ? 'the connection is recovering and publishes are not buffered (publishBuffer is off)'
        : `the connection is recovering and the publish buffer is full (${held.messages} messages, ${held.bytes} bytes held; bound ${limits.join(' / ')})`,
      'ERR_AMQP_PUBLISH_BUFFER_FULL',
    );
    this.bufferedMessages = held.messages;
    this.bufferedBytes = held.bytes;
    this.maxMessages = bounds.maxMessages;
    this.maxBytes = bounds.maxBytes;
  }
}

/** Which bound of the outage budget refused or ended a wait (see {@link OutageBudgetError}). */
export type OutageBound = 'bytes' | 'messages' | 'deadline';

/**
 * A publish (or request) made while the connection was down, refused by the outage budget: holding
 * it would pass `recovery.outage.maxBytes` or `maxMessages`, or it waited `deadlineMs` and the
 * connection was still not back. It was not sent. `bound` says which limit it met.
 */
export class OutageBudgetError extends AMQPError {
  readonly bound: OutageBound;
  /** Messages and bytes the budget held when it refused (for `deadline`: when this one expired). */
  readonly heldMessages: number;
  readonly heldBytes: number;
  /** Size of the refused message's body. */
  readonly bytes: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly deadlineMs: number;
  constructor(
    bound: OutageBound,
    held: { messages: number; bytes: number },
    bytes: number,
    limits: { maxMessages: number; maxBytes: number; deadlineMs: number },
  ) {
    const why = {
      bytes: `${held.bytes} bytes are held and this ${bytes}-byte message would pass recovery.outage.maxBytes (${limits.maxBytes})`,
      messages: `${held.messages} messages are held, the most recovery.outage.maxMessages allows`,
      deadline: `it waited recovery.outage.deadlineMs (${limits.deadlineMs} ms) and the connection is still not back`,
    }[bound];
    super(`the connection is down and the message was not sent: ${why}`, 'ERR_AMQP_OUTAGE_BUDGET');
    this.bound = bound;
    this.heldMessages = held.messages;
    this.heldBytes = held.bytes;
    this.bytes = bytes;
    this.maxMessages = limits.maxMessages;
    this.maxBytes = limits.maxBytes;
    this.deadlineMs = limits.deadlineMs;
  }
}

/** Automatic recovery gave up: every attempt failed, or the broker refused the login (final). */
export class RecoveryFailedError extends ConnectionClosedError {
  /** Reconnection attempts made. */
  readonly attempts: number;
  constructor(attempts: number, lastError: unknown) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(
      { replyCode: 320, replyText: `recovery failed after ${attempts} attempt(s): ${last}`, initiator: 'client' },
      undefined,
      'ERR_AMQP_RECOVERY_FAILED',
    );
    this.attempts = attempts;
    (this as { cause?: unknown }).cause = lastError;
  }
}

/**
 * An option that is misspelt, of the wrong type, or out of range, caught when a ServerAMQP or
 * ClientAMQP is constructed. `option` is its path (`queueOptions.messageTtl`); `suggestion` the
 * known option it most likely meant, when one is close.
 */
export class InvalidOptionError extends InvalidArgumentError {
  readonly option: string;
  readonly suggestion: string | undefined;
  constructor(option: string, message: string, suggestion?: string) {
    super(option, suggestion === undefined ? message : `${message} (did you mean "${suggestion}"?)`);
    (this as { code: string }).code = 'ERR_AMQP_INVALID_OPTION';
    this.option = option;
    this.suggestion = suggestion;
  }
}

/** A known option (of Nest's RmqOptions, say) that this transport cannot honour: refused rather than ignored. */
export class UnsupportedOptionError extends InvalidOptionError {
  constructor(option: string, reason: string) {
    super(option, `not supported: ${reason}`);
    (this as { code: string }).code = 'ERR_AMQP_UNSUPPORTED_OPTION';
  }
}
