/**
 * The connection protocol's life, sans-IO, apart from what it receives: the negotiated figures, the
 * state, the clocks (stack, handshake, heartbeat, blocked, close-ok: the owner arms one timer for
 * {@link ConnectionLifecycle.nextDeadline} and calls {@link ConnectionLifecycle.onTimer}), what goes
 * out (the `write` hook), and the ways to CLOSED (our close, a violation, the socket's loss, a
 * deadline). connection-machine.ts adds the inbound side (the frame parser's handler, channel 0).
 */
import { encodeMethodFrame, HEARTBEAT_FRAME, PROTOCOL_HEADER, type AnyMethod, type FieldTable } from '../codec/index.js';
import { ConnectionClosedError, WriteTimeoutError, type AMQPError, type CloseReason } from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';
import { shortReplyText } from './close-reasons.js';
import { ConnectionDeadlines } from './connection-deadlines.js';
import {
  closedDuringBringUp,
  deadlineError,
  localCloseReason,
  lostAfterStartOk,
  type LocalFailure,
} from './connection-failures.js';
import type { ConnectionMachineHooks } from './connection-machine-hooks.js';
import { nextConnectionState, type ConnectionState } from './connection-state.js';
import type { OutboundProgress } from './write-progress-monitor.js';

/** An owner that observes no outbound progress reports nothing pending: its link never stalls. */
const NOTHING_PENDING: OutboundProgress = { pendingBytes: 0, writtenBytes: 0 };

/** The states in which the broker listens for a connection.close from us. */
export const CLIENT_STATES_AFTER_START: ReadonlySet<ConnectionState> = new Set(['START', 'TUNE', 'OPEN']);

export abstract class ConnectionLifecycle {
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

  protected readonly params: ConnectionParameters;
  protected readonly hooks: ConnectionMachineHooks;
  protected readonly now: () => number;
  protected currentState: ConnectionState = 'INIT';
  protected readonly deadlines = new ConnectionDeadlines();
  /** The error to finish with once close-ok arrives (undefined = clean close by us). */
  protected pendingError: AMQPError | undefined;

  /** Starts in INIT (the owner is connecting the socket); the stack_timeout clock starts now. */
  constructor(params: ConnectionParameters, hooks: ConnectionMachineHooks, now: () => number) {
    this.params = params;
    this.hooks = hooks;
    this.now = now;
    this.deadlines.stack = now() + params.stackTimeout * 1000;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The parameters this attempt connects with. */
  get parameters(): ConnectionParameters {
    return this.params;
  }

  /** The earliest time (ms) at which {@link onTimer} has work, or undefined. */
  nextDeadline(): number | undefined {
    return this.currentState === 'CLOSED' ? undefined : this.deadlines.next();
  }

  /** INIT -> PROTOCOL: the socket is up; sends the protocol header. Write-progress checks start. */
  connected(): void {
    this.currentState = nextConnectionState(this.currentState, 'socket-connected');
    this.deadlines.handshake = this.now() + this.params.handshakeTimeout * 1000;
    if (this.params.writeTimeout > 0) this.deadlines.startWriteChecks(this.params.writeTimeout, this.now());
    this.writeBytes(PROTOCOL_HEADER);
    this.hooks.deadlinesChanged();
  }


  /**
   * Frames from a channel. Refused (false) unless OPEN: after connection.close the spec lets nothing
   * but close-ok follow, and a caller told `false` asks `drained()`, which then rejects, so a frame
   * dropped here is never reported as written.
   */
  send(bytes: Buffer): boolean {
    if (this.currentState !== 'OPEN') return false;
    return this.writeBytes(bytes);
  }

  /** A local close: OPEN -> CLOSING (close-ok awaited); during the bring-up, the attempt is aborted. */
  close(replyCode: number, replyText: string): void {
    switch (this.currentState) {
      case 'OPEN':
        this.currentState = nextConnectionState(this.currentState, 'close-requested');
        this.closeReason = { replyCode, replyText, initiator: 'client' };
        this.sendClose(replyCode, replyText, 0, 0);
        return;
      case 'CLOSING':
      case 'CLOSED':
        return;
      default:
        this.finish(closedDuringBringUp(replyCode, replyText, this.currentState), false);
    }
  }

  /** Sends connection.update-secret (OPEN only). @returns false when not OPEN. */
  updateSecret(newSecret: string, reason: string): boolean {
    if (this.currentState !== 'OPEN') return false;
    this.writeBytes(encodeMethodFrame(0, 'connection.update-secret', { newSecret, reason }));
    return true;
  }

  /** The socket failed or closed under us. */
  socketLost(error: AMQPError): void {
    switch (this.currentState) {
      case 'CLOSED':
        return;
      case 'CLOSING':
        // We asked to close; the socket going first still leaves the connection closed as asked.
        this.finish(this.pendingError, false);
        return;
      case 'START':
        this.finish(lostAfterStartOk(error), false);
        return;
      default:
        this.finish(error, false);
    }
  }

  /** Runs whatever deadline has passed: stack, close-ok, blocked, write progress, heartbeat. */
  onTimer(): void {
    if (this.currentState === 'CLOSED') return;
    const due = this.deadlines.due(this.now(), this.bytesSent, this.bytesReceived, this.#progress);
    switch (due) {
      case 'write-stalled':
        this.finish(new WriteTimeoutError(this.params.writeTimeout, this.#progress().pendingBytes), false);
        return;
      case 'stack':
      case 'handshake':
      case 'blocked':
      case 'heartbeat-dead':
        this.finish(deadlineError(due, this.params, this.currentState, this.heartbeat), false);
        return;
      case 'close':
        this.finish(this.pendingError, false);
        return;
      case 'heartbeat-send':
        this.writeBytes(HEARTBEAT_FRAME);
        this.deadlines.heartbeat?.noteSent(this.bytesSent);
        return;
      case undefined:
        return;
    }
  }


  /**
   * Ends the connection because of `error`: when OPEN, send connection.close and await close-ok
   * (then finish with `error`); during the bring-up, send close if the broker listens yet, then go.
   */
  protected closeWith({ error, replyCode, replyText }: LocalFailure, method: AnyMethod): void {
    const classId = method.id >>> 16;
    const methodId = method.id & 0xffff;
    if (this.currentState === 'OPEN') {
      this.currentState = 'CLOSING';
      this.pendingError = error;
      this.closeReason = { replyCode, replyText, classId, methodId, initiator: 'client' };
      this.sendClose(replyCode, replyText, classId, methodId);
      return;
    }
    if (this.currentState === 'CLOSED') return;
    if (CLIENT_STATES_AFTER_START.has(this.currentState)) this.sendClose(replyCode, replyText, classId, methodId);
    this.finish(error, true);
  }

  protected sendClose(replyCode: number, replyText: string, classId: number, methodId: number): void {
    const text = shortReplyText(replyText);
    this.writeBytes(encodeMethodFrame(0, 'connection.close', { replyCode, replyText: text, classId, methodId }));
    if (this.currentState === 'CLOSING') {
      // Without heartbeats a silent broker would leave us in CLOSING forever: give close-ok the stack timeout.
      this.deadlines.close = this.now() + this.params.stackTimeout * 1000;
      this.hooks.deadlinesChanged();
    }
  }

  /**
   * The owner's outbound facts (asked only when a write-progress check is due). While the broker has
   * the connection blocked it stops reading on purpose: no stall then (blocked_connection_timeout
   * bounds that wait), and the clock starts again once it unblocks.
   */
  readonly #progress = (): OutboundProgress =>
    this.isBlocked ? NOTHING_PENDING : (this.hooks.outboundProgress?.() ?? NOTHING_PENDING);

  protected writeBytes(bytes: Buffer): boolean {
    this.bytesSent += bytes.length;
    return this.hooks.write(bytes);
  }

  protected finish(error: AMQPError | undefined, graceful: boolean): void {
    if (this.currentState === 'CLOSED') return;
    this.currentState = 'CLOSED';
    if (error instanceof ConnectionClosedError) this.closeReason = error;
    else if (error !== undefined && this.closeReason === undefined) this.closeReason = localCloseReason(error);
    this.isBlocked = false;
    this.deadlines.clear();
    this.hooks.closed(error, graceful);
  }
}
