/**
 * The codec's errors: a malformed or unexpected frame, a value that cannot be encoded, a body over
 * the limit, a peer that is not an AMQP broker.
 */
import { AMQPError } from './base.js';

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
