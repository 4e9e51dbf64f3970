/**
 * The connection protocol, sans-IO: bytes in ({@link ConnectionMachine.receive}), bytes out (the
 * `write` hook), events out (the other hooks), time in (an injected `now()`; the owner arms one timer
 * for {@link ConnectionMachine.nextDeadline} and calls {@link ConnectionMachine.onTimer}). It never
 * touches a socket or a timer, so every path is driven by scripted byte streams in the unit tests.
 * Transitions come from connection-state.ts; this file does what each transition says.
 */
import {
  encodeMethodFrame,
  FrameParser,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  type AnyMethod,
  type BasicProperties,
  type FieldTable,
  type FrameHandler,
} from '../codec/index.js';
import {
  ConnectionClosedError,
  ConnectionStateError,
  NotAmqpPeerError,
  UnknownChannelError,
  type AMQPError,
  type BodyTooLargeError,
  type CloseReason,
  type FrameError,
} from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';
import { nextConnectionState, type ConnectionState } from './connection-state.js';
import { brokerCloseError, shortReplyText } from './close-reasons.js';
import { ConnectionDeadlines } from './connection-deadlines.js';
import {
  closedDuringBringUp,
  deadlineError,
  internalFailure,
  localCloseReason,
  lostAfterStartOk,
  unknownChannel,
  violation,
  type LocalFailure,
} from './connection-failures.js';
import type { ConnectionMachineHooks } from './connection-machine-hooks.js';
import { negotiateTune, startOkFrame, tuneOkAndOpenFrames } from './negotiation.js';
import { GREETING_BYTES, greetingVerdict, printablePrefix } from './peer-greeting.js';

export type { ConnectionMachineHooks } from './connection-machine-hooks.js';

const CLIENT_STATES_AFTER_START: ReadonlySet<ConnectionState> = new Set(['START', 'TUNE', 'OPEN']);

export class ConnectionMachine implements FrameHandler {
  /** Bytes handed to `write` so far (heartbeat bookkeeping). */
  bytesSent = 0;
  /** Bytes received so far (heartbeat bookkeeping). */
  bytesReceived = 0;
  serverProperties: FieldTable = {};
  channelMax = 0;
  frameMax = 0;
  heartbeat = 0;
  isBlocked = false;
  /** How the connection ended, once it has (also for a clean close by us). */
  closeReason: CloseReason | undefined;

  readonly #params: ConnectionParameters;
  readonly #hooks: ConnectionMachineHooks;
  readonly #now: () => number;
  readonly #owner: unknown;
  readonly #parser: FrameParser;
  #state: ConnectionState = 'INIT';
  #mechanisms: string[] = [];
  readonly #deadlines = new ConnectionDeadlines();
  /** The error to finish with once close-ok arrives (undefined = clean close by us). */
  #pendingError: AMQPError | undefined;
  /** The peer's first bytes until they show an AMQP broker (then undefined: no more checks). */
  #greeting: Buffer | undefined = Buffer.alloc(0);

  /**
   * Starts in INIT (the owner is connecting the socket); the stack_timeout clock starts now.
   * @param owner handed to a heartbeat function as its first argument (the public Connection)
   */
  constructor(params: ConnectionParameters, hooks: ConnectionMachineHooks, now: () => number, owner: unknown) {
    this.#params = params;
    this.#hooks = hooks;
    this.#now = now;
    this.#owner = owner;
    this.#parser = new FrameParser(this, { maxBodySize: params.maxBodySize });
    this.#deadlines.stack = now() + params.stackTimeout * 1000;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The parameters this attempt connects with. */
  get parameters(): ConnectionParameters {
    return this.#params;
  }

  /** The earliest time (ms) at which {@link onTimer} has work, or undefined. */
  nextDeadline(): number | undefined {
    return this.#state === 'CLOSED' ? undefined : this.#deadlines.next();
  }

  /** INIT -> PROTOCOL: the socket is up; sends the protocol header. */
  connected(): void {
    this.#state = nextConnectionState(this.#state, 'socket-connected');
    this.#deadlines.handshake = this.#now() + this.#params.handshakeTimeout * 1000;
    this.#write(PROTOCOL_HEADER);
    this.#hooks.deadlinesChanged();
  }

  /** Inbound bytes, any chunking. Ignored once CLOSED. */
  receive(chunk: Buffer): void {
    if (this.#state === 'CLOSED' || this.#state === 'INIT') return;
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
      this.#finish(new NotAmqpPeerError(this.#params.host, this.#params.port, printablePrefix(first)), false);
      return false;
    }
    this.#greeting = first.length >= 4 ? undefined : first;
    return true;
  }

  /**
   * Frames from a channel. Refused (false) unless OPEN: after connection.close the spec lets nothing
   * but close-ok follow, and a caller told `false` asks `drained()`, which then rejects, so a frame
   * dropped here is never reported as written.
   */
  send(bytes: Buffer): boolean {
    if (this.#state !== 'OPEN') return false;
    return this.#write(bytes);
  }

  /** A local close: OPEN -> CLOSING (close-ok awaited); during the bring-up, the attempt is aborted. */
  close(replyCode: number, replyText: string): void {
    switch (this.#state) {
      case 'OPEN':
        this.#state = nextConnectionState(this.#state, 'close-requested');
        this.closeReason = { replyCode, replyText, initiator: 'client' };
        this.#sendClose(replyCode, replyText, 0, 0);
        return;
      case 'CLOSING':
      case 'CLOSED':
        return;
      default:
        this.#finish(closedDuringBringUp(replyCode, replyText, this.#state), false);
    }
  }

  /** Sends connection.update-secret (OPEN only). @returns false when not OPEN. */
  updateSecret(newSecret: string, reason: string): boolean {
    if (this.#state !== 'OPEN') return false;
    this.#write(encodeMethodFrame(0, 'connection.update-secret', { newSecret, reason }));
    return true;
  }

  /** The socket failed or closed under us. */
  socketLost(error: AMQPError): void {
    switch (this.#state) {
      case 'CLOSED':
        return;
      case 'CLOSING':
        // We asked to close; the socket going first still leaves the connection closed as asked.
        this.#finish(this.#pendingError, false);
        return;
      case 'START':
        this.#finish(lostAfterStartOk(error), false);
        return;
      default:
        this.#finish(error, false);
    }
  }

  /** Runs whatever deadline has passed: stack, close-ok, blocked, heartbeat. */
  onTimer(): void {
    if (this.#state === 'CLOSED') return;
    const due = this.#deadlines.due(this.#now(), this.bytesSent, this.bytesReceived);
    switch (due) {
      case 'stack':
      case 'handshake':
      case 'blocked':
      case 'heartbeat-dead':
        this.#finish(deadlineError(due, this.#params, this.#state, this.heartbeat), false);
        return;
      case 'close':
        this.#finish(this.#pendingError, false);
        return;
      case 'heartbeat-send':
        this.#write(HEARTBEAT_FRAME);
        this.#deadlines.heartbeat?.noteSent(this.bytesSent);
        return;
      case undefined:
        return;
    }
  }

  // ---- FrameHandler (called by the parser; nothing here may throw back into it) ----

  onMethod(channel: number, method: AnyMethod): void {
    if (channel === 0) {
      this.#onConnectionMethod(method);
      return;
    }
    if (this.#state === 'OPEN') {
      if (!this.#hooks.channelMethod(channel, method)) this.#closeWith(unknownChannel(channel, method), method);
    } else if (this.#state !== 'CLOSING') {
      const error = new ConnectionStateError(`${method.name} on channel ${channel}`, this.#state, 504);
      this.#closeWith(violation(error), method);
    }
  }

  onContent(channel: number, method: AnyMethod, properties: BasicProperties, body: Buffer): void {
    if (this.#contentRoutable(channel, method) && !this.#hooks.channelContent(channel, method, properties, body)) {
      this.#closeWith(unknownChannel(channel, method), method);
    }
  }

  /** A body over maxBodySize streamed past unread: the channel settles and reports it; the connection goes on. */
  onOversizeContent(channel: number, method: AnyMethod, properties: BasicProperties, tooLarge: BodyTooLargeError): void {
    if (
      this.#contentRoutable(channel, method) &&
      !this.#hooks.channelOversizeContent(channel, method, properties, tooLarge)
    ) {
      this.#closeWith(unknownChannel(channel, method), method);
    }
  }

  /**
   * Asked by the parser at each content-carrying method, before anything of it is kept: content for
   * a channel that is not open (or above channel_max) fails the stream there, not after a body the
   * peer may announce at 64 MiB; while CLOSING content streams past unstored.
   */
  admitContent(channel: number, method: AnyMethod): boolean | FrameError {
    if (this.#state === 'OPEN') {
      if (channel !== 0 && channel <= this.channelMax && this.#hooks.hasChannel(channel)) return true;
      return new UnknownChannelError(channel, method.name, this.channelMax);
    }
    if (this.#state === 'CLOSING') return false;
    return new ConnectionStateError(`${method.name} with content on channel ${channel}`, this.#state);
  }

  /** True when content may go to channel `channel`; content on channel 0 or outside OPEN is a violation (ignored while CLOSING). */
  #contentRoutable(channel: number, method: AnyMethod): boolean {
    if (channel !== 0 && this.#state === 'OPEN') return true;
    if (this.#state !== 'CLOSING') {
      const error = new ConnectionStateError(`${method.name} with content on channel ${channel}`, this.#state);
      this.#closeWith(violation(error), method);
    }
    return false;
  }

  onHeartbeat(): void {
    // Inbound bytes are already counted in receive(); a heartbeat needs nothing more.
  }

  onFrameError(error: FrameError): void {
    // The parser is dead from here on: close-ok could never be read, so tell the broker why and go.
    if (CLIENT_STATES_AFTER_START.has(this.#state)) {
      this.#sendClose(error.replyCode, error.message, 0, 0);
    }
    this.#finish(error, true);
  }

  // ---- channel 0 ----

  #onConnectionMethod(method: AnyMethod): void {
    let next: ConnectionState;
    try {
      next = nextConnectionState(this.#state, method.name);
    } catch (error) {
      this.#closeWith(violation(error as ConnectionStateError), method);
      return;
    }
    try {
      this.#apply(method, next);
    } catch (error) {
      this.#closeWith(internalFailure(error, method), method);
    }
  }

  #apply(method: AnyMethod, next: ConnectionState): void {
    const from = this.#state;
    switch (method.name) {
      case 'connection.start': {
        this.#state = next;
        this.#deadlines.handshake = undefined;
        this.serverProperties = method.args.serverProperties;
        this.#mechanisms = method.args.mechanisms.split(' ').filter((m) => m.length > 0);
        this.#write(startOkFrame(this.#params, this.#mechanisms, method.args.mechanisms));
        return;
      }
      case 'connection.secure': {
        const response = this.#params.credentials.responseFor(this.#mechanisms) ?? Buffer.alloc(0);
        this.#write(encodeMethodFrame(0, 'connection.secure-ok', { response }));
        return;
      }
      case 'connection.tune': {
        const tuned = negotiateTune(this.#params, method.args, this.#owner);
        this.#state = next;
        this.channelMax = tuned.channelMax;
        this.frameMax = tuned.frameMax;
        this.heartbeat = tuned.heartbeat;
        this.#parser.frameMax = tuned.frameMax;
        this.#write(tuneOkAndOpenFrames(tuned, this.#params.virtualHost));
        if (tuned.heartbeat > 0) {
          this.#deadlines.startHeartbeat(tuned.heartbeat, this.#now(), this.bytesSent, this.bytesReceived);
          this.#hooks.deadlinesChanged();
        }
        return;
      }
      case 'connection.open-ok':
        this.#state = next;
        this.#deadlines.stack = undefined;
        this.#params.credentials.eraseCredentials();
        this.#hooks.deadlinesChanged();
        this.#hooks.opened();
        return;
      case 'connection.close': {
        const { replyCode, replyText, classId, methodId } = method.args;
        this.#write(encodeMethodFrame(0, 'connection.close-ok', {}));
        const reason: CloseReason = { replyCode, replyText, classId, methodId, initiator: 'broker' };
        this.#finish(brokerCloseError(from, reason, this.#params), true);
        return;
      }
      case 'connection.close-ok':
        this.#finish(this.#pendingError, true);
        return;
      case 'connection.blocked':
        if (from !== 'OPEN' || this.#state !== 'OPEN') return;
        if (!this.isBlocked) {
          this.isBlocked = true;
          const limit = this.#params.blockedConnectionTimeout;
          if (limit !== undefined && limit > 0) {
            this.#deadlines.blocked = this.#now() + limit * 1000;
            this.#hooks.deadlinesChanged();
          }
        }
        this.#hooks.blocked(method.args.reason);
        return;
      case 'connection.unblocked':
        if (from !== 'OPEN') return;
        this.isBlocked = false;
        if (this.#deadlines.blocked !== undefined) {
          this.#deadlines.blocked = undefined;
          this.#hooks.deadlinesChanged();
        }
        this.#hooks.unblocked();
        return;
      case 'connection.update-secret-ok':
        if (from === 'OPEN') this.#hooks.secretUpdated();
        return;
      default:
        // The table admits only the methods above; reaching here means table and code disagree.
        throw new ConnectionStateError(method.name, from);
    }
  }

  /**
   * Ends the connection because of `error`: when OPEN, send connection.close and await close-ok
   * (then finish with `error`); during the bring-up, send close if the broker listens yet, then go.
   */
  #closeWith({ error, replyCode, replyText }: LocalFailure, method: AnyMethod): void {
    const classId = method.id >>> 16;
    const methodId = method.id & 0xffff;
    if (this.#state === 'OPEN') {
      this.#state = 'CLOSING';
      this.#pendingError = error;
      this.closeReason = { replyCode, replyText, classId, methodId, initiator: 'client' };
      this.#sendClose(replyCode, replyText, classId, methodId);
      return;
    }
    if (this.#state === 'CLOSED') return;
    if (CLIENT_STATES_AFTER_START.has(this.#state)) this.#sendClose(replyCode, replyText, classId, methodId);
    this.#finish(error, true);
  }

  #sendClose(replyCode: number, replyText: string, classId: number, methodId: number): void {
    const text = shortReplyText(replyText);
    this.#write(encodeMethodFrame(0, 'connection.close', { replyCode, replyText: text, classId, methodId }));
    if (this.#state === 'CLOSING') {
      // Without heartbeats a silent broker would leave us in CLOSING forever: give close-ok the stack timeout.
      this.#deadlines.close = this.#now() + this.#params.stackTimeout * 1000;
      this.#hooks.deadlinesChanged();
    }
  }

  #write(bytes: Buffer): boolean {
    this.bytesSent += bytes.length;
    return this.#hooks.write(bytes);
  }

  #finish(error: AMQPError | undefined, graceful: boolean): void {
    if (this.#state === 'CLOSED') return;
    this.#state = 'CLOSED';
    if (error instanceof ConnectionClosedError) this.closeReason = error;
    else if (error !== undefined && this.closeReason === undefined) this.closeReason = localCloseReason(error);
    this.isBlocked = false;
    this.#deadlines.clear();
    this.#hooks.closed(error, graceful);
  }
}
