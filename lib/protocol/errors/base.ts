/**
 * The root of the error tree and the errors every layer shares: a bad argument, a call in the
 * wrong state, a timeout.
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
