/**
 * The public Connection: binds the sans-IO {@link ConnectionMachine} to a socket from io/ and walks
 * the list of hosts (connection-attempts.ts). Its one timer is connection-timer.ts, the routing of
 * channel frames to channels connection-hooks.ts, the socket's outbound side (high-water mark, drain)
 * connection-outbound.ts, and the turning of the machine's events into callbacks and EventEmitter
 * events connection-callbacks.ts.
 *
 * Errors thrown by users' callbacks and listeners (including a consumer's delivery callback) never
 * travel back into the socket path: they are emitted on 'error' when someone listens, else reported
 * as a process warning, and the connection goes on.
 */
import { EventEmitter } from 'node:events';
import type { Channel } from '../channel/channel.js';
import type { FieldTable } from '../codec/index.js';
import { withContinuation } from '../continuation.js';
import { type AMQPError, ConnectionClosedError, ConnectionLostError, InvalidStateError } from '../errors.js';
import { systemClock, type Clock } from '../io/clock.js';
import { connectSocket, type TransportFactory } from '../io/socket-transport.js';
import { parametersList, type ConnectionParameters, type ParametersInput } from '../parameters/index.js';
import { isRetryable } from './attempt-plan.js';
import { openChannel } from './channel-opening.js';
import { ChannelTable } from './channel-table.js';
import { checkBackpressureMultiplier, closeArgumentsError, updateSecretArgumentsError } from './connection-arguments.js';
import { ConnectionAttempts } from './connection-attempts.js';
import { ConnectionCallbackSet, type CloseCallbackOf } from './connection-callbacks.js';
import { abandonedBeforeOpen, channelsClosedError, socketNotOpened } from './connection-failures.js';
import { machineHooks } from './connection-hooks.js';
import { ConnectionLink } from './connection-link.js';
import { ConnectionOutbound } from './connection-outbound.js';
import { ConnectionMachine } from './connection-machine.js';
import type { ConnectionMachineHooks } from './connection-machine-hooks.js';
import type { ConnectionState } from './connection-state.js';
import { ConnectionTimer } from './connection-timer.js';
import type { ConnectionCallbacksOf, ConnectionEventsOf, ConnectionInternals, IOLoop } from './connection-types.js';
import { ConnectionWaiters } from './connection-waiters.js';
import { reportUserError } from './report-error.js';
import { diagnostics } from '../diagnostics.js';

export type { ConnectionState } from './connection-state.js';
export type { ConnectionInternals, IOLoop } from './connection-types.js';

/** Callbacks given at construction (pika's on_open / on_open_error / on_close). */
export interface ConnectionCallbacks extends ConnectionCallbacksOf<Connection> {}
/** The events a Connection emits, with their arguments. */
export interface ConnectionEvents extends ConnectionEventsOf<Connection> {}

/** An AMQP 0-9-1 connection to one broker of a list of hosts, opened as soon as it is constructed. */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** The loop handle of the seed's pattern: `await connection.ioloop.start()`. */
  readonly ioloop: IOLoop;

  readonly #attempts: ConnectionAttempts;
  readonly #clock: Clock;
  readonly #connectTransport: TransportFactory;
  readonly #link: ConnectionLink;
  readonly #channels = new ChannelTable();
  readonly #waiters = new ConnectionWaiters();
  readonly #callbacks: ConnectionCallbackSet<Connection>;
  readonly #outbound: ConnectionOutbound;
  readonly #timer: ConnectionTimer;
  readonly #hooks: ConnectionMachineHooks;
  #machine: ConnectionMachine | undefined;
  #opened = false;
  #finished = false;
  #finalError: AMQPError | undefined;

  /**
   * Starts connecting on the next tick (attach listeners first).
   * @param parameters one host (URL or ConnectionParameters) or a list tried in order; default localhost
   * @throws ParameterError for bad parameters
   */
  constructor(parameters?: ParametersInput, callbacks: ConnectionCallbacks = {}, internals: ConnectionInternals = {}) {
    super();
    this.#clock = internals.clock ?? systemClock;
    this.#connectTransport = internals.transport ?? ((p, handlers) => connectSocket(p, handlers, { clock: this.#clock }));
    this.#callbacks = new ConnectionCallbackSet<Connection>(this, callbacks);
    this.#attempts = new ConnectionAttempts(parametersList(parameters), this.#clock, {
      start: (p) => this.#start(p),
      exhausted: (error) => this.#openFailed(error),
      safely: (fn, where) => this.#callbacks.safely(fn, where),
    });
    this.#outbound = new ConnectionOutbound(this.#waiters, this.#callbacks);
    this.#timer = new ConnectionTimer(this.#clock, () => this.#machine, this.#callbacks);
    this.#hooks = machineHooks(
      { connection: this, channels: this.#channels, waiters: this.#waiters, callbacks: this.#callbacks },
      {
        write: (bytes) => this.#outbound.write(bytes),
        opened: () => this.#onOpened(),
        closed: (error, graceful) => this.#onMachineClosed(error, graceful),
        deadlinesChanged: () => this.#timer.rearm(),
        outboundProgress: () => this.#outbound.progress,
      },
    );
    this.#link = new ConnectionLink(this.#clock, {
      write: (frames) => this.#send(frames),
      drained: () => this.#drained(),
      release: (n) => this.#channels.release(n),
      isBlocked: () => this.isBlocked,
      reportError: (error, where) => reportUserError(this, error, where),
    });
    this.ioloop = { start: () => this.#waiters.loop(), stop: () => void this.close() };
    process.nextTick(() => this.#callbacks.safely(() => this.#attempts.next(undefined), 'the first connection attempt'));
  }

  /** Opens a connection; resolves once it is OPEN, rejects with the typed error of the last attempt. */
  static connect(parameters?: ParametersInput): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      new Connection(parameters, { onOpen: resolve, onOpenError: (_c, error) => reject(error) });
    });
  }

  /** Where the connection is: INIT while connecting (and between attempts) ... CLOSED at the end. */
  get state(): ConnectionState {
    if (this.#finished) return 'CLOSED';
    const state = this.#machine?.state ?? 'INIT';
    return state === 'CLOSED' ? 'INIT' : state; // between attempts
  }

  /** True in OPEN only (not while closing). */
  get isOpen(): boolean {
    return this.#machine?.state === 'OPEN';
  }

  /** True while the broker has the connection blocked (connection.blocked without unblocked yet). */
  get isBlocked(): boolean {
    return this.#machine?.isBlocked ?? false;
  }

  /**
   * True when OPEN and the socket's outbound buffer is under its high-water mark (1 MiB): a write now
   * goes out without waiting. False past it until 'drain' is emitted.
   */
  get isWritable(): boolean {
    return this.#machine?.state === 'OPEN' && !this.#outbound.overHighWater;
  }

  /** Bytes written but not yet handed to the operating system (the socket's outbound buffer). */
  get outboundBytes(): number {
    return this.#outbound.bufferedBytes;
  }

  /** The broker's connection.start properties (product, version, capabilities ...). */
  get serverProperties(): FieldTable {
    return this.#machine?.serverProperties ?? {};
  }

  /** The negotiated highest channel number (0 before tune). */
  get channelMax(): number {
    return this.#machine?.channelMax ?? 0;
  }

  /** The negotiated largest frame in bytes (0 before tune). */
  get frameMax(): number {
    return this.#machine?.frameMax ?? 0;
  }

  /** The negotiated heartbeat in seconds (0 = off). */
  get heartbeat(): number {
    return this.#machine?.heartbeat ?? 0;
  }

  /**
   * Opens a channel on the lowest free number (or `options.channelNumber`), calls `options.onOpen`,
   * and resolves with it once the broker answered channel.open-ok.
   */
  channel(options: { onOpen?: (channel: Channel) => void; channelNumber?: number } = {}): Promise<Channel> {
    const machine = this.#machine;
    if (machine === undefined || machine.state !== 'OPEN') {
      return Promise.reject(new InvalidStateError('cannot open a channel: the connection is not open', this.state));
    }
    return openChannel(this.#link, this.#channels, machine.channelMax, options, this.#callbacks);
  }

  /**
   * Closes the connection (connection.close, then close-ok awaited); resolves once CLOSED. During the
   * bring-up it abandons the attempt. Closing a closed connection resolves at once.
   */
  close(replyCode = 200, replyText = 'Normal shutdown', callback?: () => void): Promise<void> {
    const invalid = closeArgumentsError(replyCode, replyText);
    if (invalid !== undefined) return Promise.reject(invalid);
    const closed = this.#waiters.closed();
    if (!this.#finished) {
      this.#attempts.stop();
      const machine = this.#machine;
      if (machine !== undefined && machine.state !== 'CLOSED') {
        machine.close(replyCode, replyText);
        this.#timer.rearm();
      } else if (this.#attempts.cancelPending()) {
        this.#openFailed(abandonedBeforeOpen(replyCode, replyText));
      }
      // Otherwise the first attempt has not started yet; it sees the stop and gives up.
    }
    return withContinuation(closed, callback);
  }

  /**
   * Sends connection.update-secret (e.g. a refreshed OAuth token); resolves on update-secret-ok, or
   * rejects with an RpcTimeoutError when none came within rpc_timeout (a late reply is then dropped).
   */
  updateSecret(newSecret: string, reason: string, callback?: () => void): Promise<void> {
    const invalid = updateSecretArgumentsError(newSecret, reason);
    if (invalid !== undefined) return Promise.reject(invalid);
    const machine = this.#machine;
    if (machine === undefined || machine.state !== 'OPEN') {
      return Promise.reject(new InvalidStateError('cannot update the secret: the connection is not open', this.state));
    }
    const updated = this.#waiters.secret({
      ms: machine.parameters.rpcTimeout * 1000,
      setTimer: (ms, fn) => this.#clock.setTimer(ms, fn, false),
    });
    machine.updateSecret(newSecret, reason);
    return withContinuation(updated, callback);
  }

  /** Calls `cb(connection, error)` once the open connection reached CLOSED. */
  addOnCloseCallback(cb: CloseCallbackOf<Connection>): void {
    this.#callbacks.close.push(cb);
  }

  /** Calls `cb(connection, reason)` on every connection.blocked from the broker. */
  addOnConnectionBlockedCallback(cb: (connection: Connection, reason: string) => void): void {
    this.#callbacks.blocked.push(cb);
  }

  /** Calls `cb(connection)` on every connection.unblocked from the broker. */
  addOnConnectionUnblockedCallback(cb: (connection: Connection) => void): void {
    this.#callbacks.unblocked.push(cb);
  }

  /** Calls `cb(connection)` when the backpressure monitor fires (needs `backpressureDetection`). */
  addBackpressureCallback(cb: (connection: Connection) => void): void {
    this.#callbacks.backpressure.push(cb);
  }

  /** The monitor fires when unsent bytes exceed the average frame size times `n` (default 10). */
  setBackpressureMultiplier(n: number): void {
    this.#outbound.backpressureMultiplier = checkBackpressureMultiplier(n);
  }

  // ---- attempts ----

  #start(parameters: ConnectionParameters): void {
    const machine = new ConnectionMachine(parameters, this.#hooks, () => this.#clock.now(), this);
    this.#machine = machine;
    this.#outbound.reset(parameters.backpressureDetection);
    this.#attempts.warnTlsOnce(parameters);
    try {
      this.#outbound.transport = this.#connectTransport(parameters, {
        onConnect: () => {
          if (this.#machine === machine) machine.connected();
        },
        onData: (chunk) => {
          if (this.#machine === machine) machine.receive(chunk);
        },
        onDrain: () => this.#outbound.onDrain(),
        onClose: (error) => {
          if (this.#machine === machine) machine.socketLost(error ?? new ConnectionLostError('the socket was closed'));
        },
      });
    } catch (thrown) {
      machine.socketLost(socketNotOpened(parameters, thrown));
      return;
    }
    this.#timer.rearm();
  }

  // ---- outbound ----

  #send(frames: Buffer): boolean {
    const machine = this.#machine;
    return machine === undefined ? false : machine.send(frames);
  }

  #drained(): Promise<void> {
    if (this.#finished || this.#machine?.state !== 'OPEN') return Promise.reject(this.#channelError());
    return this.#outbound.drained();
  }

  // ---- lifecycle ----

  #onOpened(): void {
    this.#opened = true;
    this.#link.frameMax = this.#machine?.frameMax ?? 0;
    this.#link.rpcTimeoutMs = (this.#machine?.parameters.rpcTimeout ?? 0) * 1000;
    if (diagnostics.connectionOpen.hasSubscribers) {
      const parameters = this.#machine?.parameters;
      diagnostics.connectionOpen.publish({ connection: this, host: parameters?.host, port: parameters?.port });
    }
    this.#callbacks.runOpen();
  }

  #onMachineClosed(error: AMQPError | undefined, graceful: boolean): void {
    this.#timer.cancel();
    if (graceful) this.#outbound.transport?.end();
    else this.#outbound.transport?.destroy();
    if (!this.#opened) {
      const failure = error ?? new ConnectionLostError('closed during the bring-up');
      if (!this.#attempts.stopped && isRetryable(failure)) this.#attempts.next(failure);
      else this.#openFailed(failure);
      return;
    }
    this.#finished = true;
    this.#finalError = error;
    const channelError = this.#channelError();
    this.#channels.closeAll(channelError, this.#callbacks);
    this.#waiters.settle(channelError, error);
    if (diagnostics.connectionClose.hasSubscribers) diagnostics.connectionClose.publish({ connection: this, error });
    this.#callbacks.runClose(error);
  }

  #openFailed(error: AMQPError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#finalError = error;
    this.#timer.cancel();
    this.#waiters.settle(error, error);
    this.#callbacks.runOpenError(error);
  }

  /** The ConnectionClosedError channels and channel-side waiters settle with. */
  #channelError(): ConnectionClosedError {
    return channelsClosedError(this.#finalError, this.#machine?.closeReason);
  }
}
