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
 * What a loss leads to, and the recovery's attempts and restore, are recovery-loop.ts; what waits
 * meanwhile (publishes, callers) is outage-waits.ts; the engine of the moment, current-engine.ts; the
 * state, its wiring, the first connect and the end, recovering-connection-core.ts.
 */
import { withContinuation, type Continuation } from '../continuation.js';
import { InvalidStateError, type AMQPError } from '../errors.js';
import type { ParametersInput } from '../parameters/parameters-list.js';
import { openChannel } from './channel-opener.js';
import type { EngineConnection, FieldTable } from './engine-port.js';
import type { OutageBudgetCounters } from './outage-budget.js';
import type { RecoveringCloseCallbackOf } from './recovering-callbacks.js';
import { RecoveringChannel } from './recovering-channel.js';
import type { RecoveryConnector } from './reconnector.js';
import { RecoveringConnectionCore } from './recovering-connection-core.js';
import type { RecoveryOptions } from './recovery-options.js';
import type { RecoveringConnectionState } from './recovering-connection-types.js';

export interface RecoveringConnectionOptions {
  onOpen?: (connection: RecoveringConnection) => void;
  onOpenError?: (connection: RecoveringConnection, error: AMQPError) => void;
  /** Called once, when the connection closes for good (undefined = closed by us). */
  onClose?: (connection: RecoveringConnection, error: AMQPError | undefined) => void;
  recovery?: RecoveryOptions;
  /** @internal Replaces the engine (unit tests). */
  connector?: RecoveryConnector;
  /** @internal Replaces Math.random in the backoff (unit tests). */
  random?: () => number;
}

/**
 * The engine's Connection, made to recover by itself.
 *
 * ```ts
 * const connection = await RecoveringConnection.connect(['amqp://node-1', 'amqp://node-2'], {
 *   recovery: { initialDelayMs: 500, maxDelayMs: 30_000, outage: { maxBytes: 64 * 1024 * 1024, deadlineMs: 60_000 } },
 * });
 * connection.on('recovering', (cause) => log.warn(cause.message));
 * const channel = await connection.channel();
 * await channel.confirmDelivery();
 * await channel.publishWithRetry('', 'orders', body); // confirmed at least once, across losses
 * ```
 */
export class RecoveringConnection extends RecoveringConnectionCore<RecoveringConnection> {
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

  /**
   * @param parameters one URL / ConnectionParameters, or a list of them (hosts tried in order)
   * @throws ParameterError for a malformed URL or option (nothing is connected then)
   */
  constructor(parameters?: ParametersInput, options: RecoveringConnectionOptions = {}) {
    super(parameters, options);
  }

  get state(): RecoveringConnectionState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'OPEN' && this.current.engine?.isOpen === true;
  }

  /** true while the connection is down and being recovered. */
  get isRecovering(): boolean {
    return this.stateValue === 'RECOVERING';
  }

  get isBlocked(): boolean {
    return this.current.engine?.isBlocked ?? false;
  }

  /** A publish made now goes straight to the socket (OPEN, under the high-water mark, none waiting); 'drain' tells. */
  get isWritable(): boolean {
    return this.waits.gate.isWritable;
  }

  get serverProperties(): FieldTable {
    return this.current.engine?.serverProperties ?? {};
  }

  get channelMax(): number {
    return this.current.engine?.channelMax ?? 0;
  }

  get frameMax(): number {
    return this.current.engine?.frameMax ?? 0;
  }

  get heartbeat(): number {
    return this.current.engine?.heartbeat ?? 0;
  }

  /** Completed recoveries so far. */
  get recoveries(): number {
    return this.recoveriesValue;
  }

  /** Messages and bytes held in the publish buffer right now (the budget may hold more: see `outage`). */
  get bufferedPublishes(): { messages: number; bytes: number } {
    return { messages: this.waits.buffer.size, bytes: this.waits.buffer.bytes };
  }

  /**
   * The outage budget's counters: messages and bytes held now while the connection is down (buffered
   * publishes and every wait that keeps a message), the peaks, and the calls refused per bound.
   */
  get outage(): OutageBudgetCounters {
    return this.waits.budget.counters;
  }

  /** The engine connection of the moment (a new one after every recovery). */
  unwrap(): EngineConnection | undefined {
    return this.current.engine;
  }

  /** The current name of a queue (a server-named queue is renamed by every recovery). */
  queueName(name: string): string {
    return this.record.resolveQueue(name);
  }

  /** Opens a channel; during a recovery it is opened once the connection is back. */
  channel(options: { onOpen?: (channel: RecoveringChannel) => void } = {}): Promise<RecoveringChannel> {
    return openChannel(this.opener, (opened) => {
      const channel = new RecoveringChannel(this.host, opened);
      this.channels.add(channel);
      this.callbacks.safely(() => options.onOpen?.(channel), 'channel onOpen');
      return channel;
    });
  }

  /** Closes for good: stops any recovery, fails buffered publishes, closes the engine connection. */
  close(replyCode = 200, replyText = 'Normal shutdown', callback?: () => void): Promise<void> {
    if (this.closing === undefined) {
      this.closing = (async () => {
        if (this.stateValue === 'CLOSED') return;
        this.stateValue = 'CLOSING';
        this.reconnector.wake();
        const engine = this.current.engine;
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
        const engine = this.current.engine;
        if (engine === undefined) throw new InvalidStateError('updateSecret: no connection', this.stateValue);
        await engine.updateSecret(newSecret, reason);
        this.reconnector.updateSecret(newSecret);
      })(),
      callback,
    );
  }

  /** Called once, when the connection closes for good (not on a loss that is recovered). */
  addOnCloseCallback(cb: RecoveringCloseCallbackOf<RecoveringConnection>): void {
    this.callbacks.close.push(cb);
  }

  addOnConnectionBlockedCallback(cb: (connection: RecoveringConnection, reason: string) => void): void {
    this.callbacks.blocked.push(cb);
  }

  addOnConnectionUnblockedCallback(cb: (connection: RecoveringConnection) => void): void {
    this.callbacks.unblocked.push(cb);
  }

  /** Resolves once the connection is OPEN (at once if it is); rejects if it closes for good first. */
  whenReady(): Promise<void> {
    return this.waits.whenReady(this.stateValue);
  }

  /**
   * Resolves once the connection is OPEN, like whenReady, for a caller that keeps a message of `bytes`
   * in memory meanwhile: the wait is counted by the outage budget and rejects with OutageBudgetError
   * when the budget is full (at once) or its deadline passes. Resolved at once when OPEN. `signal`
   * lets the caller give up earlier (its own timeout): the hold is returned to the budget at once and
   * the wait rejects with the signal's reason.
   */
  waitOutOutage(bytes: number, signal?: AbortSignal): Promise<void> {
    return this.waits.waitOutOutage(this.stateValue, bytes, signal);
  }
}
