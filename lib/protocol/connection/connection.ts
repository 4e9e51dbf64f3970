/**
 * The public Connection: binds the sans-IO {@link ConnectionMachine} to a socket from io/, owns its
 * one timer, walks the list of hosts, routes channel frames to channels, and turns the machine's
 * events into callbacks and EventEmitter events.
 *
 * Errors thrown by users' callbacks and listeners never travel back into the socket path: they are
 * emitted on 'error' when someone listens, else reported as a process warning, and the connection
 * goes on.
 */
import { EventEmitter } from 'node:events';
import { Channel } from '../channel/channel.js';
import type { FieldTable } from '../codec/index.js';
import { deferred, withContinuation, type Deferred } from '../continuation.js';
import {
  type AMQPError,
  ConnectionClosedError,
  ConnectionLostError,
  InvalidArgumentError,
  InvalidStateError,
} from '../errors.js';
import { systemClock, type CancelTimer, type Clock } from '../io/clock.js';
import { connectSocket, type Transport, type TransportFactory } from '../io/socket-transport.js';
import { parametersList, type ConnectionParameters, type ParametersInput } from '../parameters/index.js';
import { AttemptPlan, isRetryable } from './attempt-plan.js';
import { BackpressureMonitor } from './backpressure-monitor.js';
import { ConnectionLink } from './connection-link.js';
import { ConnectionMachine, type ConnectionMachineHooks } from './connection-machine.js';
import type { ConnectionState } from './connection-state.js';

export type { ConnectionState } from './connection-state.js';

/** Callbacks given at construction (pika's on_open / on_open_error / on_close). */
export interface ConnectionCallbacks {
  onOpen?: (connection: Connection) => void;
  onOpenError?: (connection: Connection, error: AMQPError) => void;
  /** Called once an open connection reached CLOSED; `error` undefined = closed cleanly at our request. */
  onClose?: (connection: Connection, error: AMQPError | undefined) => void;
}

/** The events a Connection emits, with their arguments. */
export interface ConnectionEvents {
  open: [connection: Connection];
  /** The connection reached CLOSED (after being open, or when every attempt to open failed). */
  close: [error: AMQPError | undefined];
  blocked: [reason: string];
  unblocked: [];
  backpressure: [];
  /** An exception thrown by a user's callback or listener; the connection goes on. */
  error: [error: Error];
}

/** Test seams: a scripted transport and a hand-driven clock. @internal */
export interface ConnectionInternals {
  clock?: Clock;
  transport?: TransportFactory;
}

/** pika's ioloop: `start()` settles when the connection has fully closed, `stop()` closes it. */
export interface IOLoop {
  /** Resolves when the connection closed cleanly at our request; rejects with the error otherwise. */
  start(): Promise<void>;
  /** Closes the connection (or abandons the bring-up); `start()` then settles. */
  stop(): void;
}

type CloseCallback = (connection: Connection, error: AMQPError | undefined) => void;

/** An AMQP 0-9-1 connection to one broker of a list of hosts, opened as soon as it is constructed. */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** The loop handle of the seed's pattern: `await connection.ioloop.start()`. */
  readonly ioloop: IOLoop;

  readonly #plan: AttemptPlan;
  readonly #clock: Clock;
  readonly #connectTransport: TransportFactory;
  readonly #link: ConnectionLink;
  readonly #backpressure = new BackpressureMonitor();
  readonly #onOpen: ConnectionCallbacks['onOpen'];
  readonly #onOpenError: ConnectionCallbacks['onOpenError'];
  readonly #closeCallbacks: CloseCallback[] = [];
  readonly #blockedCallbacks: ((connection: Connection, reason: string) => void)[] = [];
  readonly #unblockedCallbacks: ((connection: Connection) => void)[] = [];
  readonly #backpressureCallbacks: ((connection: Connection) => void)[] = [];
  #machine: ConnectionMachine | undefined;
  #transport: Transport | undefined;
  /** Channels by number: the hot path indexes this for every inbound frame. */
  #channels: (Channel | undefined)[] = [];
  #opened = false;
  #stopRequested = false;
  #finished = false;
  #finalError: AMQPError | undefined;
  #detectBackpressure = false;
  #overHighWater = false;
  #drain: Deferred<void> | undefined;
  #closeWaiters: Deferred<void>[] = [];
  #secretWaiters: Deferred<void>[] = [];
  #loop: Deferred<void> | undefined;
  #cancelTimer: CancelTimer | undefined;
  #cancelRetry: CancelTimer | undefined;

  /**
   * Starts connecting on the next tick (attach listeners first).
   * @param parameters one host (URL or ConnectionParameters) or a list tried in order; default localhost
   * @throws ParameterError for bad parameters
   */
  constructor(parameters?: ParametersInput, callbacks: ConnectionCallbacks = {}, internals: ConnectionInternals = {}) {
    super();
    this.#plan = new AttemptPlan(parametersList(parameters));
    this.#clock = internals.clock ?? systemClock;
    this.#connectTransport = internals.transport ?? ((p, handlers) => connectSocket(p, handlers, { clock: this.#clock }));
    this.#onOpen = callbacks.onOpen;
    this.#onOpenError = callbacks.onOpenError;
    if (callbacks.onClose !== undefined) this.#closeCallbacks.push(callbacks.onClose);
    this.#link = new ConnectionLink(this, {
      write: (frames) => this.#send(frames),
      drained: () => this.#drained(),
      release: (n) => this.#release(n),
    });
    this.ioloop = {
      start: () => this.#loopPromise(),
      stop: () => void this.close(),
    };
    process.nextTick(() => this.#safely(() => this.#nextAttempt(undefined), 'the first connection attempt'));
  }

  /** Opens a connection; resolves once it is OPEN, rejects with the typed error of the last attempt. */
  static connect(parameters?: ParametersInput): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      new Connection(parameters, { onOpen: resolve, onOpenError: (_c, error) => reject(error) });
    });
  }

  get state(): ConnectionState {
    if (this.#finished) return 'CLOSED';
    const state = this.#machine?.state ?? 'INIT';
    return state === 'CLOSED' ? 'INIT' : state; // between attempts
  }

  get isOpen(): boolean {
    return this.#machine?.state === 'OPEN';
  }

  /** True while the broker has the connection blocked (connection.blocked without unblocked yet). */
  get isBlocked(): boolean {
    return this.#machine?.isBlocked ?? false;
  }

  /** The broker's connection.start properties (product, version, capabilities ...). */
  get serverProperties(): FieldTable {
    return this.#machine?.serverProperties ?? {};
  }

  get channelMax(): number {
    return this.#machine?.channelMax ?? 0;
  }

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
    let number = options.channelNumber;
    if (number !== undefined) {
      if (!Number.isInteger(number) || number < 1 || number > machine.channelMax) {
        return Promise.reject(
          new InvalidArgumentError('channelNumber', `must be an integer in 1..${machine.channelMax}, got ${String(number)}`),
        );
      }
      if (this.#channels[number] !== undefined) {
        return Promise.reject(new InvalidArgumentError('channelNumber', `channel ${number} is already in use`));
      }
    } else {
      number = 1;
      while (number <= machine.channelMax && this.#channels[number] !== undefined) number += 1;
      if (number > machine.channelMax) {
        return Promise.reject(
          new InvalidStateError(`no free channel number: all ${machine.channelMax} are in use (channel_max)`, 'OPEN'),
        );
      }
    }
    const channel = new Channel(this.#link, number);
    this.#channels[number] = channel;
    const onOpen = options.onOpen;
    return channel.open().then((opened) => {
      if (onOpen !== undefined) this.#safely(() => onOpen(opened), 'a channel onOpen callback');
      return opened;
    });
  }

  /**
   * Closes the connection (connection.close, then close-ok awaited); resolves once CLOSED. During the
   * bring-up it abandons the attempt. Closing a closed connection resolves at once.
   */
  close(replyCode = 200, replyText = 'Normal shutdown', callback?: () => void): Promise<void> {
    if (!Number.isInteger(replyCode) || replyCode < 0 || replyCode > 65535) {
      return Promise.reject(new InvalidArgumentError('replyCode', `must be an integer in 0..65535, got ${String(replyCode)}`));
    }
    if (typeof replyText !== 'string') {
      return Promise.reject(new InvalidArgumentError('replyText', 'must be a string'));
    }
    if (this.#finished) return withContinuation(Promise.resolve(), callback);
    const waiter = deferred<void>();
    this.#closeWaiters.push(waiter);
    this.#stopRequested = true;
    const machine = this.#machine;
    if (machine !== undefined && machine.state !== 'CLOSED') {
      machine.close(replyCode, replyText);
      this.#rearm();
    } else if (this.#cancelRetry !== undefined) {
      this.#cancelRetry();
      this.#cancelRetry = undefined;
      this.#openFailed(
        new ConnectionClosedError(
          { replyCode, replyText, initiator: 'client' },
          'connection closed by the client before it opened',
        ),
      );
    }
    // Otherwise the first attempt has not started yet; it sees #stopRequested and gives up.
    return withContinuation(waiter.promise, callback);
  }

  /** Sends connection.update-secret (e.g. a refreshed OAuth token); resolves on update-secret-ok. */
  updateSecret(newSecret: string, reason: string, callback?: () => void): Promise<void> {
    if (typeof newSecret !== 'string') return Promise.reject(new InvalidArgumentError('newSecret', 'must be a string'));
    if (typeof reason !== 'string') return Promise.reject(new InvalidArgumentError('reason', 'must be a string'));
    const machine = this.#machine;
    if (machine === undefined || machine.state !== 'OPEN') {
      return Promise.reject(new InvalidStateError('cannot update the secret: the connection is not open', this.state));
    }
    const waiter = deferred<void>();
    this.#secretWaiters.push(waiter);
    machine.updateSecret(newSecret, reason);
    return withContinuation(waiter.promise, callback);
  }

  /** Calls `cb(connection, error)` once the open connection reached CLOSED. */
  addOnCloseCallback(cb: CloseCallback): void {
    this.#closeCallbacks.push(cb);
  }

  /** Calls `cb(connection, reason)` on every connection.blocked from the broker. */
  addOnConnectionBlockedCallback(cb: (connection: Connection, reason: string) => void): void {
    this.#blockedCallbacks.push(cb);
  }

  /** Calls `cb(connection)` on every connection.unblocked from the broker. */
  addOnConnectionUnblockedCallback(cb: (connection: Connection) => void): void {
    this.#unblockedCallbacks.push(cb);
  }

  /** Calls `cb(connection)` when the backpressure monitor fires (needs `backpressureDetection`). */
  addBackpressureCallback(cb: (connection: Connection) => void): void {
    this.#backpressureCallbacks.push(cb);
  }

  /** The monitor fires when unsent bytes exceed the average frame size times `n` (default 10). */
  setBackpressureMultiplier(n: number): void {
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError('multiplier', `must be a positive number, got ${String(n)}`);
    }
    this.#backpressure.multiplier = n;
  }

  // ---- attempts ----

  #nextAttempt(lastError: AMQPError | undefined): void {
    if (this.#stopRequested) {
      this.#openFailed(
        lastError ??
          new ConnectionClosedError(
            { replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' },
            'connection closed by the client before it opened',
          ),
      );
      return;
    }
    const attempt = this.#plan.next();
    if (attempt === undefined) {
      this.#openFailed(lastError ?? new ConnectionClosedError({ replyCode: 320, replyText: 'no host', initiator: 'client' }));
      return;
    }
    if (attempt.delayMs > 0) {
      this.#cancelRetry = this.#clock.setTimer(attempt.delayMs, () => {
        this.#cancelRetry = undefined;
        this.#safely(() => this.#start(attempt.parameters), 'connection attempt');
      });
      return;
    }
    this.#start(attempt.parameters);
  }

  #start(parameters: ConnectionParameters): void {
    const machine = new ConnectionMachine(parameters, this.#hooks(), () => this.#clock.now(), this);
    this.#machine = machine;
    this.#detectBackpressure = parameters.backpressureDetection;
    this.#overHighWater = false;
    this.#transport = undefined;
    try {
      this.#transport = this.#openTransport(machine, parameters);
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      const where = `${parameters.host}:${parameters.port}`;
      machine.socketLost(new ConnectionLostError(`could not open a socket to ${where}: ${message}`, { cause: thrown }));
      return;
    }
    this.#rearm();
  }

  #openTransport(machine: ConnectionMachine, parameters: ConnectionParameters): Transport {
    return this.#connectTransport(parameters, {
      onConnect: () => {
        if (this.#machine === machine) machine.connected();
      },
      onData: (chunk) => {
        if (this.#machine === machine) machine.receive(chunk);
      },
      onDrain: () => this.#onDrain(),
      onClose: (error) => {
        if (this.#machine !== machine) return;
        machine.socketLost(error ?? new ConnectionLostError('the socket was closed'));
      },
    });
  }

  #hooks(): ConnectionMachineHooks {
    return {
      write: (bytes) => this.#write(bytes),
      opened: () => this.#onOpened(),
      closed: (error, graceful) => this.#onMachineClosed(error, graceful),
      blocked: (reason) => {
        for (const cb of this.#blockedCallbacks) this.#safely(() => cb(this, reason), 'a blocked callback');
        this.#emit('blocked', reason);
      },
      unblocked: () => {
        for (const cb of this.#unblockedCallbacks) this.#safely(() => cb(this), 'an unblocked callback');
        this.#emit('unblocked');
      },
      secretUpdated: () => this.#secretWaiters.shift()?.resolve(),
      channelMethod: (n, method) => {
        const channel = this.#channels[n];
        if (channel === undefined) return false;
        this.#safely(() => channel.handleMethod(method), `channel ${n}`);
        return true;
      },
      channelContent: (n, method, properties, body) => {
        const channel = this.#channels[n];
        if (channel === undefined) return false;
        this.#safely(() => channel.handleContent(method, properties, body), `channel ${n}`);
        return true;
      },
      deadlinesChanged: () => this.#rearm(),
    };
  }

  // ---- outbound ----

  #write(bytes: Buffer): boolean {
    const transport = this.#transport;
    if (transport === undefined) return false;
    const ok = transport.write(bytes);
    if (!ok) this.#overHighWater = true;
    if (this.#detectBackpressure && this.#backpressure.record(bytes.length, transport.bufferedBytes)) {
      this.#fireBackpressure();
    }
    return ok;
  }

  #send(frames: Buffer): boolean {
    const machine = this.#machine;
    return machine === undefined ? true : machine.send(frames);
  }

  #drained(): Promise<void> {
    if (this.#finished) return Promise.reject(this.#channelError());
    if (!this.#overHighWater) return Promise.resolve();
    this.#drain ??= deferred<void>();
    return this.#drain.promise;
  }

  #onDrain(): void {
    this.#overHighWater = false;
    const waiter = this.#drain;
    this.#drain = undefined;
    waiter?.resolve();
    const transport = this.#transport;
    if (this.#detectBackpressure && transport !== undefined) this.#backpressure.observe(transport.bufferedBytes);
  }

  #fireBackpressure(): void {
    for (const cb of this.#backpressureCallbacks) this.#safely(() => cb(this), 'a backpressure callback');
    this.#emit('backpressure');
  }

  #release(channelNumber: number): void {
    this.#channels[channelNumber] = undefined;
  }

  // ---- lifecycle ----

  #onOpened(): void {
    this.#opened = true;
    this.#link.frameMax = this.#machine?.frameMax ?? 0;
    if (this.#stopRequested) {
      // close() was called during the bring-up after the machine could no longer abort it.
      this.#machine?.close(200, 'Normal shutdown');
      return;
    }
    const onOpen = this.#onOpen;
    if (onOpen !== undefined) this.#safely(() => onOpen(this), 'the onOpen callback');
    this.#emit('open', this);
  }

  #onMachineClosed(error: AMQPError | undefined, graceful: boolean): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const transport = this.#transport;
    if (graceful) transport?.end();
    else transport?.destroy();
    if (!this.#opened) {
      const failure =
        error ?? new ConnectionClosedError({ replyCode: 320, replyText: 'closed during the bring-up', initiator: 'client' });
      if (!this.#stopRequested && isRetryable(failure)) this.#nextAttempt(failure);
      else this.#openFailed(failure);
      return;
    }
    this.#finalError = error;
    const channelError = this.#channelError();
    const channels = this.#channels;
    this.#channels = [];
    for (const channel of channels) {
      if (channel !== undefined) this.#safely(() => channel.handleConnectionClosed(channelError), 'channel teardown');
    }
    this.#settle(channelError);
    for (const cb of this.#closeCallbacks) this.#safely(() => cb(this, error), 'an onClose callback');
    this.#emit('close', error);
    this.#settleLoop(error);
  }

  #openFailed(error: AMQPError): void {
    if (this.#finished) return;
    this.#finalError = error;
    this.#settle(error);
    const onOpenError = this.#onOpenError;
    if (onOpenError !== undefined) this.#safely(() => onOpenError(this, error), 'the onOpenError callback');
    this.#emit('close', error);
    this.#settleLoop(error);
  }

  /** Marks the connection finished and settles every waiter (close resolves, the others reject). */
  #settle(error: AMQPError): void {
    this.#finished = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const drain = this.#drain;
    this.#drain = undefined;
    drain?.reject(error);
    for (const waiter of this.#secretWaiters.splice(0)) waiter.reject(error);
    for (const waiter of this.#closeWaiters.splice(0)) waiter.resolve();
  }

  /** The ConnectionClosedError channels and channel-side waiters settle with. */
  #channelError(): ConnectionClosedError {
    const error = this.#finalError;
    if (error instanceof ConnectionClosedError) return error;
    const reason = this.#machine?.closeReason ?? { replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' };
    const closed = new ConnectionClosedError(reason);
    if (error !== undefined) (closed as { cause?: unknown }).cause = error;
    return closed;
  }

  #loopPromise(): Promise<void> {
    if (this.#loop === undefined) {
      this.#loop = deferred<void>();
      if (this.#finished) this.#settleLoop(this.#finalError);
    }
    return this.#loop.promise;
  }

  #settleLoop(error: AMQPError | undefined): void {
    const loop = this.#loop;
    if (loop === undefined) return;
    if (error === undefined) loop.resolve();
    else loop.reject(error);
  }

  /** Arms the single timer at the machine's next deadline. */
  #rearm(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const machine = this.#machine;
    const at = machine?.nextDeadline();
    if (machine === undefined || at === undefined) return;
    this.#cancelTimer = this.#clock.setTimer(
      at - this.#clock.now(),
      () => {
        this.#cancelTimer = undefined;
        this.#safely(() => machine.onTimer(), 'the connection timer');
        if (this.#machine === machine && machine.state !== 'CLOSED' && this.#cancelTimer === undefined) this.#rearm();
      },
      false,
    );
  }

  // ---- reporting ----

  #emit<K extends keyof ConnectionEvents>(event: K, ...args: ConnectionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ConnectionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#report(error, `a '${String(event)}' listener`);
    }
  }

  #safely(fn: () => void, where: string): void {
    try {
      fn();
    } catch (error) {
      this.#report(error, where);
    }
  }

  /** An exception from user code: 'error' listeners get it, else a process warning. */
  #report(thrown: unknown, where: string): void {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', error);
        return;
      } catch {
        // An 'error' listener that throws falls through to the warning.
      }
    }
    process.emitWarning(`${where} threw: ${error.stack ?? error.message}`, { code: 'AMQP_CALLBACK_ERROR' });
  }
}
