/**
 * A Connection that comes back. It wraps the engine's Connection with the same surface and, when the
 * connection is lost without being asked to close (not a refused login: that is final), reconnects
 * with exponential backoff and full jitter across the host list, then restores, in order: channels
 * (qos, confirm/tx mode), exchanges, queues (server-named ones re-declared and re-mapped), bindings,
 * consumers (same tags and callbacks), and finally the publishes buffered during the outage.
 *
 * States: CONNECTING -> OPEN <-> RECOVERING, and CLOSING -> CLOSED from any of them. The first
 * connection is not retried here (the engine's connectionAttempts governs it): a bad URL, wrong
 * credentials, an unknown vhost or an unreachable host fail `connect()` with their typed error.
 */
import { EventEmitter } from 'node:events';
import { withContinuation, type Continuation } from '../continuation.js';
import {
  AMQPError,
  AuthenticationError,
  ConnectionClosedError,
  ConnectionLostError,
  InvalidStateError,
  RecoveryFailedError,
} from '../errors.js';
import { parametersList, type ParametersInput } from '../parameters/parameters-list.js';
import { defaultConnector } from './engine-connector.js';
import type { EngineChannel, EngineConnection, FieldTable } from './engine-port.js';
import { PublishBuffer } from './publish-buffer.js';
import { isFinalLoginError, Reconnector } from './reconnector.js';
import type { BufferedPublish } from './publish-retry.js';
import {
  RecoveringChannel,
  type RecoveringChannelHost,
  type RecoveringDeliveryCallback,
} from './recovering-channel.js';
import { resolveRecoveryOptions, type ResolvedRecoveryOptions } from './recovery-options.js';
import type {
  RecoveringConnectionEvents,
  RecoveringConnectionOptions,
  RecoveringConnectionState,
} from './recovering-connection-types.js';
import { TopologyRecord } from './topology-record.js';
import { asAMQPError, restoreTopology } from './topology-restorer.js';

type CloseCallback = (connection: RecoveringConnection, error: AMQPError | undefined) => void;

/**
 * The engine's Connection, made to recover by itself.
 *
 * ```ts
 * const connection = await RecoveringConnection.connect(['amqp://node-1', 'amqp://node-2'], {
 *   recovery: { initialDelayMs: 500, maxDelayMs: 30_000, publishBuffer: { maxMessages: 10_000 } },
 * });
 * connection.on('recovering', (cause) => log.warn(cause.message));
 * const channel = await connection.channel();
 * await channel.confirmDelivery();
 * await channel.publishWithRetry('', 'orders', body); // confirmed at least once, across losses
 * ```
 */
export class RecoveringConnection extends EventEmitter<RecoveringConnectionEvents> {
  /** Opens a recovering connection; resolves when OPEN, rejects with the typed error of the first connect. */
  static connect(
    parameters?: ParametersInput,
    options: RecoveringConnectionOptions = {},
  ): Promise<RecoveringConnection> {
    try {
      const connection = new RecoveringConnection(parameters, options);
      return connection.opened.then(() => connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The recovery options, defaults filled in. */
  readonly options: ResolvedRecoveryOptions;
  /** The same loop contract as the engine's: start() settles once the connection is closed for good. */
  readonly ioloop: { start(): Promise<void>; stop(): void };

  private readonly reconnector: Reconnector;
  private engine: EngineConnection | undefined;
  private stateValue: RecoveringConnectionState = 'CONNECTING';
  private readonly channels = new Set<RecoveringChannel>();
  private readonly record = new TopologyRecord<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>();
  private readonly buffer: PublishBuffer<BufferedPublish>;
  private readonly closeCallbacks: CloseCallback[] = [];
  private readonly blockedCallbacks: Array<(connection: RecoveringConnection, reason: string) => void> = [];
  private readonly unblockedCallbacks: Array<(connection: RecoveringConnection) => void> = [];
  private readyWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly opened: Promise<void>;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;
  private closing: Promise<void> | undefined;
  private flushing = false;
  private recoveriesValue = 0;
  private finalized = false;

  /**
   * @param parameters one URL / ConnectionParameters, or a list of them (hosts tried in order)
   * @throws ParameterError for a malformed URL or option (nothing is connected then)
   */
  constructor(parameters?: ParametersInput, options: RecoveringConnectionOptions = {}) {
    super();
    this.options = resolveRecoveryOptions(options.recovery);
    this.reconnector = new Reconnector(
      parametersList(parameters),
      options.connector ?? defaultConnector,
      this.options,
      options.random ?? Math.random,
    );
    this.buffer = new PublishBuffer<BufferedPublish>(this.options.publishBuffer);
    if (options.onClose !== undefined) this.closeCallbacks.push(options.onClose);
    this.closed = new Promise<void>((resolve) => {
      this.markClosed = resolve;
    });
    this.ioloop = { start: () => this.closed, stop: () => void this.close().catch(() => undefined) };
    this.opened = this.connectFirst(options);
    this.opened.catch(() => undefined);
  }

  get state(): RecoveringConnectionState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'OPEN' && this.engine?.isOpen === true;
  }

  /** true while the connection is down and being recovered. */
  get isRecovering(): boolean {
    return this.stateValue === 'RECOVERING';
  }

  get isBlocked(): boolean {
    return this.engine?.isBlocked ?? false;
  }

  get serverProperties(): FieldTable {
    return this.engine?.serverProperties ?? {};
  }

  get channelMax(): number {
    return this.engine?.channelMax ?? 0;
  }

  get frameMax(): number {
    return this.engine?.frameMax ?? 0;
  }

  get heartbeat(): number {
    return this.engine?.heartbeat ?? 0;
  }

  /** Completed recoveries so far. */
  get recoveries(): number {
    return this.recoveriesValue;
  }

  /** Messages and bytes held in the publish buffer right now. */
  get bufferedPublishes(): { messages: number; bytes: number } {
    return { messages: this.buffer.size, bytes: this.buffer.bytes };
  }

  /** The engine connection of the moment (a new one after every recovery). */
  unwrap(): EngineConnection | undefined {
    return this.engine;
  }

  /** The current name of a queue (a server-named queue is renamed by every recovery). */
  queueName(name: string): string {
    return this.record.resolveQueue(name);
  }

  /** Opens a channel; during a recovery it is opened once the connection is back. */
  channel(options: { onOpen?: (channel: RecoveringChannel) => void } = {}): Promise<RecoveringChannel> {
    return (async () => {
      for (;;) {
        await this.whenReady();
        const engine = this.engine;
        if (engine === undefined) throw new InvalidStateError('channel: no connection', this.stateValue);
        let opened: EngineChannel;
        try {
          opened = await engine.channel();
        } catch (error) {
          // Lost while opening: open it on the recovered connection instead.
          if (this.stateValue === 'RECOVERING') continue;
          throw error;
        }
        if (engine !== this.engine || this.stateValue !== 'OPEN') {
          if (this.stateValue === 'RECOVERING') continue;
          throw new InvalidStateError(
            'channel: the connection closed while the channel opened',
            this.stateValue,
          );
        }
        const channel = new RecoveringChannel(this.host, opened);
        this.channels.add(channel);
        this.safely(() => options.onOpen?.(channel), 'channel onOpen');
        return channel;
      }
    })();
  }

  /** Closes for good: stops any recovery, fails buffered publishes, closes the engine connection. */
  close(replyCode = 200, replyText = 'Normal shutdown', callback?: () => void): Promise<void> {
    if (this.closing === undefined) {
      this.closing = (async () => {
        if (this.stateValue === 'CLOSED') return;
        this.stateValue = 'CLOSING';
        this.reconnector.wake();
        const engine = this.engine;
        if (engine?.isOpen === true) {
          try {
            await engine.close(replyCode, replyText);
          } catch {
            // The socket may die during the close handshake: closed either way.
          }
        }
        this.finalize(undefined);
      })();
    }
    return withContinuation(this.closing, callback === undefined ? undefined : () => callback());
  }

  /** Sends connection.update-secret on the live connection (waits out a recovery). */
  updateSecret(newSecret: string, reason: string, callback?: Continuation<void>): Promise<void> {
    return withContinuation(
      (async () => {
        await this.whenReady();
        const engine = this.engine;
        if (engine === undefined) throw new InvalidStateError('updateSecret: no connection', this.stateValue);
        await engine.updateSecret(newSecret, reason);
        this.reconnector.updateSecret(newSecret);
      })(),
      callback,
    );
  }

  /** Called once, when the connection closes for good (not on a loss that is recovered). */
  addOnCloseCallback(cb: CloseCallback): void {
    this.closeCallbacks.push(cb);
  }

  addOnConnectionBlockedCallback(cb: (connection: RecoveringConnection, reason: string) => void): void {
    this.blockedCallbacks.push(cb);
  }

  addOnConnectionUnblockedCallback(cb: (connection: RecoveringConnection) => void): void {
    this.unblockedCallbacks.push(cb);
  }

  /** Resolves once the connection is OPEN (at once if it is); rejects if it closes for good first. */
  whenReady(): Promise<void> {
    if (this.stateValue === 'OPEN') return Promise.resolve();
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
      return Promise.reject(new InvalidStateError('the connection is closed', this.stateValue));
    }
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  // ---- bring-up ----

  private async connectFirst(options: RecoveringConnectionOptions): Promise<void> {
    let engine: EngineConnection;
    try {
      engine = await this.reconnector.connectFirst();
    } catch (error) {
      const typed = asAMQPError(error);
      this.stateValue = 'CLOSED';
      this.finalized = true;
      this.rejectReadyWaiters(typed);
      this.markClosed();
      this.safely(() => options.onOpenError?.(this, typed), 'onOpenError');
      throw typed;
    }
    if (this.stateValue !== 'CONNECTING') {
      // close() was called while connecting.
      await engine.close().catch(() => undefined);
      this.finalize(undefined);
      throw new InvalidStateError('closed before it opened', 'CLOSED');
    }
    this.attach(engine);
    this.stateValue = 'OPEN';
    this.resolveReadyWaiters();
    this.safely(() => options.onOpen?.(this), 'onOpen');
    this.emit('open');
  }

  private attach(engine: EngineConnection): void {
    this.engine = engine;
    engine.addOnCloseCallback((_connection: unknown, error: AMQPError | undefined) =>
      this.onEngineClose(engine, error),
    );
    engine.addOnConnectionBlockedCallback((_connection: unknown, reason: string) => {
      if (engine !== this.engine) return;
      for (const cb of this.blockedCallbacks) this.safely(() => cb(this, reason), 'blocked callback');
      this.emit('blocked', reason);
    });
    engine.addOnConnectionUnblockedCallback(() => {
      if (engine !== this.engine) return;
      for (const cb of this.unblockedCallbacks) this.safely(() => cb(this), 'unblocked callback');
      this.emit('unblocked');
    });
  }

  // ---- loss and recovery ----

  private lostDuringRestore: AMQPError | undefined;

  private onEngineClose(engine: EngineConnection, error: AMQPError | undefined): void {
    if (engine !== this.engine) return;
    if (this.stateValue === 'CLOSING' || this.stateValue === 'CLOSED') {
      this.finalize(undefined);
      return;
    }
    if (this.stateValue === 'RECOVERING') {
      // The connection being restored died: the restore notices and tries the next attempt.
      this.lostDuringRestore = error ?? new ConnectionLostError('connection closed during recovery');
      return;
    }
    for (const channel of this.channels) channel.suspend();
    if (error === undefined || error instanceof AuthenticationError || !this.options.enabled) {
      this.finalize(error);
      return;
    }
    void this.recover(error);
  }

  private async recover(cause: AMQPError): Promise<void> {
    this.stateValue = 'RECOVERING';
    this.safelyEmit('recovering', cause);
    let lastError: AMQPError = cause;
    let attempt = 0;
    while (attempt < this.options.maxAttempts) {
      // A close during the last attempt must not leave a backoff timer holding the process open.
      if (this.stateValue !== 'RECOVERING') return;
      attempt += 1;
      await this.reconnector.sleepBefore(attempt);
      if (this.stateValue !== 'RECOVERING') return;
      let engine: EngineConnection;
      try {
        engine = await this.reconnector.connectOnce(attempt, () => this.stateValue === 'RECOVERING');
      } catch (error) {
        lastError = asAMQPError(error);
        this.safelyEmit('recoveryAttemptFailed', lastError, attempt);
        if (isFinalLoginError(lastError)) break;
        continue;
      }
      if (this.stateValue !== 'RECOVERING') {
        await engine.close().catch(() => undefined);
        return;
      }
      try {
        await this.restore(engine);
      } catch (error) {
        lastError = asAMQPError(error);
        this.safelyEmit('recoveryAttemptFailed', lastError, attempt);
        for (const channel of this.channels) channel.suspend();
        if (engine.isOpen) await engine.close(320, 'recovery failed').catch(() => undefined);
        continue;
      }
      if (this.stateValue !== 'RECOVERING') return;
      this.finishRecovery();
      return;
    }
    if (this.stateValue !== 'RECOVERING') return;
    const failure = new RecoveryFailedError(attempt, lastError);
    this.safelyEmit('recoveryFailed', failure);
    this.finalize(failure);
  }

  private async restore(engine: EngineConnection): Promise<void> {
    this.lostDuringRestore = undefined;
    this.attach(engine);
    for (const channel of [...this.channels]) {
      try {
        await channel.reopen(engine);
      } catch (error) {
        if (!engine.isOpen) throw error;
        channel.finalize(asAMQPError(error));
        this.safelyEmit('topologyRecoveryError', asAMQPError(error), `channel ${channel.channelNumber}`);
      }
    }
    if (this.options.topology) {
      await restoreTopology(engine, this.record, {
        error: (error, what) => this.safelyEmit('topologyRecoveryError', error, what),
        renamed: (from, to) => this.safelyEmit('queueNameChanged', from, to),
      });
    }
    // A channel whose engine channel the broker closed during the restore cannot be resumed.
    for (const channel of [...this.channels]) {
      if (channel.state === 'SUSPENDED' && !channel.unwrap().isOpen && engine.isOpen) {
        const error = channel.restoreError ?? new ConnectionLostError('the channel closed during recovery');
        channel.finalize(error);
      }
    }
    if (this.lostDuringRestore !== undefined || !engine.isOpen) {
      throw this.lostDuringRestore ?? new ConnectionLostError('connection closed during recovery');
    }
  }

  /** Back: flush what was held, in order, before any new publish can get ahead of it. */
  private finishRecovery(): void {
    this.stateValue = 'OPEN';
    this.recoveriesValue += 1;
    this.flushing = true;
    try {
      for (const entry of this.buffer.takeAll()) entry.send();
    } finally {
      this.flushing = false;
    }
    for (const channel of this.channels) channel.resume();
    this.resolveReadyWaiters();
    this.safelyEmit('recovered');
  }

  // ---- the end ----

  private finalize(error: AMQPError | undefined): void {
    if (this.finalized) return;
    this.finalized = true;
    this.stateValue = 'CLOSED';
    this.reconnector.wake();
    const publishError =
      error ??
      new ConnectionClosedError(
        { replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' },
        'the connection was closed before the buffered publish could be sent',
      );
    this.buffer.rejectAll(publishError);
    for (const channel of [...this.channels]) channel.finalize(error);
    this.rejectReadyWaiters(error ?? new InvalidStateError('the connection is closed', 'CLOSED'));
    for (const cb of this.closeCallbacks) this.safely(() => cb(this, error), 'close callback');
    this.safelyEmit('close', error);
    this.markClosed();
  }

  private resolveReadyWaiters(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private rejectReadyWaiters(error: unknown): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  // ---- what the channels see ----

  private readonly host: RecoveringChannelHost = {
    record: this.record,
    holdsPublishes: () => this.stateValue !== 'OPEN' || this.flushing,
    engineOpen: () => this.engine?.isOpen === true,
    hold: (entry) => {
      // Buffering is for an outage; a connection being closed by its user takes nothing more.
      if (this.stateValue === 'CLOSING' || this.stateValue === 'CLOSED') {
        throw new InvalidStateError('basic.publish: the connection is closing', this.stateValue);
      }
      this.buffer.offer(entry);
    },
    forget: (channel) => {
      this.channels.delete(channel);
      this.record.removeConsumersOf(channel);
    },
    reportCallbackError: (error, where) => this.reportCallbackError(error, where),
  };

  private reportCallbackError(error: unknown, where: string): void {
    const wrapped = error instanceof Error ? error : new Error(String(error));
    if (this.listenerCount('error') > 0) {
      try {
        this.emit('error', wrapped);
        return;
      } catch {
        // An 'error' listener that throws must not escape into finalize() or recover(): the close
        // would stay half done (ioloop.start() pending forever) or the recovery die as an unhandled
        // rejection. It falls through to the warning.
      }
    }
    process.emitWarning(`${where} threw: ${wrapped.stack ?? wrapped.message}`, {
      code: 'AMQP_CALLBACK_ERROR',
    });
  }

  private safely(fn: () => void, where: string): void {
    try {
      fn();
    } catch (error) {
      this.reportCallbackError(error, where);
    }
  }

  /** A listener that throws must not break recovery. */
  private safelyEmit<E extends keyof RecoveringConnectionEvents>(
    event: E,
    ...args: RecoveringConnectionEvents[E]
  ): void {
    this.safely(() => {
      (this.emit as (event: E, ...args: RecoveringConnectionEvents[E]) => boolean)(event, ...args);
    }, `'${event}' listener`);
  }
}
