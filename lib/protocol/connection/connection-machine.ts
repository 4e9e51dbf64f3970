/**
 * The connection protocol, sans-IO: bytes in ({@link ConnectionMachine.receive}), bytes out (the
 * `write` hook), events out (the other hooks), time in (an injected `now()`). It never touches a
 * socket or a timer, so every path is driven by scripted byte streams in the unit tests. This file is
 * the inbound side: the peer's greeting, the frame parser's handler (channel frames routed to their
 * channels, content admission) and channel 0's methods as connection-state.ts's table admits them;
 * the state, clocks, output and the ways to CLOSED are connection-lifecycle.ts.
 */
import {
  encodeMethodFrame,
  FrameParser,
  type AnyMethod,
  type BasicProperties,
  type FrameHandler,
} from '../codec/index.js';
import {
  ConnectionStateError,
  NotAmqpPeerError,
  UnknownChannelError,
  type BodyTooLargeError,
  type CloseReason,
  type FrameError,
} from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';
import { nextConnectionState, type ConnectionState } from './connection-state.js';
import { brokerCloseError } from './close-reasons.js';
import { internalFailure, unknownChannel, violation } from './connection-failures.js';
import { CLIENT_STATES_AFTER_START, ConnectionLifecycle } from './connection-lifecycle.js';
import type { ConnectionMachineHooks } from './connection-machine-hooks.js';
import { negotiateTune, startOkFrame, tuneOkAndOpenFrames } from './negotiation.js';
import { GREETING_BYTES, greetingVerdict, printablePrefix } from './peer-greeting.js';

export type { ConnectionMachineHooks } from './connection-machine-hooks.js';

export class ConnectionMachine extends ConnectionLifecycle implements FrameHandler {
  readonly #owner: unknown;
  readonly #parser: FrameParser;
  #mechanisms: string[] = [];
  /** The peer's first bytes until they show an AMQP broker (then undefined: no more checks). */
  #greeting: Buffer | undefined = Buffer.alloc(0);

  /**
   * Starts in INIT (the owner is connecting the socket); the stack_timeout clock starts now.
   * @param owner handed to a heartbeat function as its first argument (the public Connection)
   */
  constructor(params: ConnectionParameters, hooks: ConnectionMachineHooks, now: () => number, owner: unknown) {
    super(params, hooks, now);
    this.#owner = owner;
    this.#parser = new FrameParser(this, { maxBodySize: params.maxBodySize });
  }

  /** Inbound bytes, any chunking. Ignored once CLOSED. */
  receive(chunk: Buffer): void {
    if (this.currentState === 'CLOSED' || this.currentState === 'INIT') return;
    this.bytesReceived += chunk.length;
    if (this.#greeting !== undefined && !this.#greetingFromAmqp(chunk)) return;
    this.#parser.push(chunk);
  }

  /**
   * Checks the peer's first bytes: a peer that is not an AMQP broker ends the attempt at once with a
   * {@link NotAmqpPeerError} quoting the start of what it sent (not "invalid frame type 72").
   */
  #greetingFromAmqp(chunk: Buffer): boolean {
    const seen = this.#greeting as Buffer;
    const first = Buffer.concat([seen, chunk.subarray(0, GREETING_BYTES - seen.length)]);
    if (greetingVerdict(first) === 'other') {
      this.#greeting = undefined;
      this.finish(new NotAmqpPeerError(this.params.host, this.params.port, printablePrefix(first)), false);
      return false;
    }
    this.#greeting = first.length >= 4 ? undefined : first;
    return true;
  }


  // ---- FrameHandler (called by the parser; nothing here may throw back into it) ----

  onMethod(channel: number, method: AnyMethod): void {
    if (channel === 0) {
      this.#onConnectionMethod(method);
      return;
    }
    if (this.currentState === 'OPEN') {
      if (!this.hooks.channelMethod(channel, method)) this.closeWith(unknownChannel(channel, method), method);
    } else if (this.currentState !== 'CLOSING') {
      const error = new ConnectionStateError(`${method.name} on channel ${channel}`, this.currentState, 504);
      this.closeWith(violation(error), method);
    }
  }

  onContent(channel: number, method: AnyMethod, properties: BasicProperties, body: Buffer): void {
    if (this.#contentRoutable(channel, method) && !this.hooks.channelContent(channel, method, properties, body)) {
      this.closeWith(unknownChannel(channel, method), method);
    }
  }

  /** A body over maxBodySize streamed past unread: the channel settles and reports it; the connection goes on. */
  onOversizeContent(channel: number, method: AnyMethod, properties: BasicProperties, tooLarge: BodyTooLargeError): void {
    if (
      this.#contentRoutable(channel, method) &&
      !this.hooks.channelOversizeContent(channel, method, properties, tooLarge)
    ) {
      this.closeWith(unknownChannel(channel, method), method);
    }
  }

  /**
   * Asked by the parser at each content-carrying method, before anything of it is kept: content for
   * a channel that is not open (or above channel_max) fails the stream there, not after a body the
   * peer may announce at 64 MiB; while CLOSING content streams past unstored.
   */
  admitContent(channel: number, method: AnyMethod): boolean | FrameError {
    if (this.currentState === 'OPEN') {
      if (channel !== 0 && channel <= this.channelMax && this.hooks.hasChannel(channel)) return true;
      return new UnknownChannelError(channel, method.name, this.channelMax);
    }
    if (this.currentState === 'CLOSING') return false;
    return new ConnectionStateError(`${method.name} with content on channel ${channel}`, this.currentState);
  }

  /** True when content may go to channel `channel`; content on channel 0 or outside OPEN is a violation (ignored while CLOSING). */
  #contentRoutable(channel: number, method: AnyMethod): boolean {
    if (channel !== 0 && this.currentState === 'OPEN') return true;
    if (this.currentState !== 'CLOSING') {
      const error = new ConnectionStateError(`${method.name} with content on channel ${channel}`, this.currentState);
      this.closeWith(violation(error), method);
    }
    return false;
  }

  onHeartbeat(): void {
    // Inbound bytes are already counted in receive(); a heartbeat needs nothing more.
  }

  onFrameError(error: FrameError): void {
    // The parser is dead from here on: close-ok could never be read, so tell the broker why and go.
    if (CLIENT_STATES_AFTER_START.has(this.currentState)) {
      this.sendClose(error.replyCode, error.message, 0, 0);
    }
    this.finish(error, true);
  }

  // ---- channel 0 ----

  #onConnectionMethod(method: AnyMethod): void {
    let next: ConnectionState;
    try {
      next = nextConnectionState(this.currentState, method.name);
    } catch (error) {
      this.closeWith(violation(error as ConnectionStateError), method);
      return;
    }
    try {
      this.#apply(method, next);
    } catch (error) {
      this.closeWith(internalFailure(error, method), method);
    }
  }

  #apply(method: AnyMethod, next: ConnectionState): void {
    const from = this.currentState;
    switch (method.name) {
      case 'connection.start': {
        this.currentState = next;
        this.deadlines.handshake = undefined;
        this.serverProperties = method.args.serverProperties;
        this.#mechanisms = method.args.mechanisms.split(' ').filter((m) => m.length > 0);
        this.writeBytes(startOkFrame(this.params, this.#mechanisms, method.args.mechanisms));
        return;
      }
      case 'connection.secure': {
        const response = this.params.credentials.responseFor(this.#mechanisms) ?? Buffer.alloc(0);
        this.writeBytes(encodeMethodFrame(0, 'connection.secure-ok', { response }));
        return;
      }
      case 'connection.tune': {
        const tuned = negotiateTune(this.params, method.args, this.#owner);
        this.currentState = next;
        this.channelMax = tuned.channelMax;
        this.frameMax = tuned.frameMax;
        this.heartbeat = tuned.heartbeat;
        this.#parser.frameMax = tuned.frameMax;
        this.writeBytes(tuneOkAndOpenFrames(tuned, this.params.virtualHost));
        if (tuned.heartbeat > 0) {
          this.deadlines.startHeartbeat(tuned.heartbeat, this.now(), this.bytesSent, this.bytesReceived);
          this.hooks.deadlinesChanged();
        }
        return;
      }
      case 'connection.open-ok':
        this.currentState = next;
        this.deadlines.stack = undefined;
        this.params.credentials.eraseCredentials();
        this.hooks.deadlinesChanged();
        this.hooks.opened();
        return;
      case 'connection.close': {
        const { replyCode, replyText, classId, methodId } = method.args;
        this.writeBytes(encodeMethodFrame(0, 'connection.close-ok', {}));
        const reason: CloseReason = { replyCode, replyText, classId, methodId, initiator: 'broker' };
        this.finish(brokerCloseError(from, reason, this.params), true);
        return;
      }
      case 'connection.close-ok':
        this.finish(this.pendingError, true);
        return;
      case 'connection.blocked':
        if (from !== 'OPEN' || this.currentState !== 'OPEN') return;
        if (!this.isBlocked) {
          this.isBlocked = true;
          const limit = this.params.blockedConnectionTimeout;
          if (limit !== undefined && limit > 0) {
            this.deadlines.blocked = this.now() + limit * 1000;
            this.hooks.deadlinesChanged();
          }
        }
        this.hooks.blocked(method.args.reason);
        return;
      case 'connection.unblocked':
        if (from !== 'OPEN') return;
        this.isBlocked = false;
        if (this.deadlines.blocked !== undefined) {
          this.deadlines.blocked = undefined;
          this.hooks.deadlinesChanged();
        }
        this.hooks.unblocked();
        return;
      case 'connection.update-secret-ok':
        if (from === 'OPEN') this.hooks.secretUpdated();
        return;
      default:
        // The table admits only the methods above; reaching here means table and code disagree.
        throw new ConnectionStateError(method.name, from);
    }
  }
}
