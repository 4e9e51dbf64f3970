/**
 * The life of a RecoveringConnection, apart from its API: the state (CONNECTING, OPEN, RECOVERING,
 * CLOSING, CLOSED), the wiring of the reconnector, the recovery loop, the waits of an outage and the
 * engine of the moment, the first connect, the return to OPEN after a recovery, and the end. The
 * public methods live in recovering-connection.ts on top of this.
 */
import { EventEmitter } from 'node:events';
import { deferred } from '../continuation.js';
import { InvalidStateError, type AMQPError } from '../errors.js';
import { parametersList, type ParametersInput } from '../parameters/parameters-list.js';
import type { ChannelOpenerHost } from './channel-opener.js';
import { CurrentEngine } from './current-engine.js';
import { defaultConnector } from './engine-connector.js';
import type { EngineConnection, FieldTable } from './engine-port.js';
import { OutageWaits } from './outage-waits.js';
import { Reconnector, type RecoveryConnector } from './reconnector.js';
import { RecoveringCallbacks, type RecoveringOpenCallbacksOf } from './recovering-callbacks.js';
import type { RecoveringChannel, RecoveringChannelHost, RecoveringDeliveryCallback } from './recovering-channel.js';
import { RecoveryLoop } from './recovery-loop.js';
import { resolveRecoveryOptions, type RecoveryOptions, type ResolvedRecoveryOptions } from './recovery-options.js';
import type { RecoveringConnectionEvents, RecoveringConnectionState } from './recovering-connection-types.js';
import { TopologyRecord } from './topology-record.js';
import { asAMQPError } from './topology-restorer.js';

/** What the core reads of RecoveringConnectionOptions (recovering-connection.ts), for connection type `C`. */
export interface RecoveringCoreOptionsOf<C> extends RecoveringOpenCallbacksOf<C> {
  recovery?: RecoveryOptions;
  connector?: RecoveryConnector;
  random?: () => number;
}

/**
 * `Self` is the concrete connection (RecoveringConnection), the only subclass: users' callbacks
 * receive it.
 */
export abstract class RecoveringConnectionCore<
  Self extends EventEmitter<RecoveringConnectionEvents>,
> extends EventEmitter<RecoveringConnectionEvents> {
  /** The recovery options, defaults filled in. */
  readonly options: ResolvedRecoveryOptions;
  /** The same loop contract as the engine's: start() settles once the connection is closed for good. */
  readonly ioloop: { start(): Promise<void>; stop(): void };

  protected readonly reconnector: Reconnector;
  private readonly recovery: RecoveryLoop;
  /** The engine connection of the moment, its events relayed. */
  protected readonly current: CurrentEngine;
  protected stateValue: RecoveringConnectionState = 'CONNECTING';
  protected readonly channels = new Set<RecoveringChannel>();
  protected readonly record = new TopologyRecord<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>();
  /** Publishes held and callers waiting while it is not OPEN. */
  protected readonly waits: OutageWaits;
  protected readonly callbacks: RecoveringCallbacks<Self>;
  protected readonly opened: Promise<void>;
  private readonly closed = deferred<void>();
  protected closing: Promise<void> | undefined;
  protected recoveriesValue = 0;
  private finalized = false;

  /**
   * @param parameters one URL / ConnectionParameters, or a list of them (hosts tried in order)
   * @throws ParameterError for a malformed URL or option (nothing is connected then)
   */
  constructor(parameters: ParametersInput | undefined, options: RecoveringCoreOptionsOf<Self>) {
    super();
    this.options = resolveRecoveryOptions(options.recovery);
    this.reconnector = new Reconnector(
      parametersList(parameters),
      options.connector ?? defaultConnector,
      this.options,
      options.random ?? Math.random,
    );
    this.recovery = new RecoveryLoop(
      {
        channels: this.channels,
        record: this.record,
        state: () => this.stateValue,
        beginRecovery: () => {
          this.stateValue = 'RECOVERING';
        },
        attach: (engine) => this.current.attach(engine),
        emit: (event, ...args) => this.callbacks.emitRecovery(event, ...args),
        recovered: () => this.finishRecovery(),
        finalize: (error) => this.finalize(error),
      },
      this.reconnector,
      this.options,
    );
    this.waits = new OutageWaits(this.options, {
      state: () => this.stateValue,
      engine: () => this.current.engine,
      drained: () => this.callbacks.emit('drain'),
    });
    this.callbacks = new RecoveringCallbacks<Self>(this as unknown as Self, options);
    this.current = new CurrentEngine(this.recovery, this.callbacks, this.waits.gate);
    this.ioloop = { start: () => this.closed.promise, stop: () => void this.close().catch(() => undefined) };
    this.opened = this.connectFirst();
    this.opened.catch(() => undefined);
  }

  /** Closes for good (recovering-connection.ts); the loop handle's stop() calls it. */
  abstract close(replyCode?: number, replyText?: string, callback?: () => void): Promise<void>;

  /** Resolves once the connection is OPEN (recovering-connection.ts); a channel opened meanwhile waits for it. */
  abstract whenReady(): Promise<void>;

  // ---- bring-up ----

  private async connectFirst(): Promise<void> {
    let engine: EngineConnection;
    try {
      engine = await this.reconnector.connectFirst();
    } catch (error) {
      const typed = asAMQPError(error);
      this.stateValue = 'CLOSED';
      this.finalized = true;
      this.waits.openFailed(typed);
      this.closed.resolve();
      this.callbacks.runOpenError(typed);
      throw typed;
    }
    if (this.stateValue !== 'CONNECTING') {
      // close() was called while connecting.
      await engine.close().catch(() => undefined);
      this.finalize(undefined);
      throw new InvalidStateError('closed before it opened', 'CLOSED');
    }
    this.current.attach(engine);
    this.stateValue = 'OPEN';
    this.waits.opened();
    this.callbacks.runOpen();
  }

  // ---- recovered ----

  /** Back: send what was held, in order, as the socket takes it; new publishes queue behind it. */
  private finishRecovery(): void {
    this.stateValue = 'OPEN';
    this.recoveriesValue += 1;
    this.waits.gate.pump();
    for (const channel of this.channels) channel.resume();
    this.waits.opened();
    this.callbacks.emitRecovery('recovered');
  }

  // ---- the end ----

  protected finalize(error: AMQPError | undefined): void {
    if (this.finalized) return;
    this.finalized = true;
    this.stateValue = 'CLOSED';
    this.reconnector.wake();
    const publishError = this.waits.failPublishes(error);
    for (const channel of [...this.channels]) channel.finalize(error);
    this.waits.closed(error, publishError);
    this.callbacks.runClose(error);
    this.closed.resolve();
  }

  // ---- what the channels see ----

  protected readonly host: RecoveringChannelHost = {
    record: this.record,
    holdsPublishes: () => !this.waits.gate.isWritable,
    buffersPublishes: () => this.waits.buffer.enabled,
    budget: () => this.waits.budget,
    engineOpen: () => this.current.engine?.isOpen === true,
    hold: (entry) => this.waits.gate.hold(entry),
    forget: (channel) => {
      this.channels.delete(channel);
      this.record.removeConsumersOf(channel);
    },
    reportCallbackError: (error, where) => this.callbacks.report(error, where),
  };

  protected readonly opener: ChannelOpenerHost = {
    whenReady: () => this.whenReady(),
    engine: () => this.current.engine,
    state: () => this.stateValue,
  };
}
