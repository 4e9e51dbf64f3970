/**
 * The life of a RecoveringChannel, apart from its API: which engine channel is live, the state
 * (OPEN, SUSPENDED while the connection is down, CLOSING, CLOSED for good), the generation count,
 * the qos and confirm/tx mode to apply again, waiters for the next generation, and the hand-over to a
 * new engine channel that the RecoveringConnection drives (reopen, restoreConsumer, resume, finalize).
 */
import {
  InvalidStateError,
  type AMQPError,
  type ChannelClosedError,
  ConnectionClosedError,
  type OversizeMessageError,
} from '../errors.js';
import { DeliveryTags } from './delivery-tags.js';
import type {
  BasicDeliver,
  BasicProperties,
  BasicQosOptions,
  BasicReturn,
  EngineChannel,
  EngineConnection,
  FieldTable,
} from './engine-port.js';
import { GenerationWaiters } from './generation-waiters.js';
import type { OutageBudget } from './outage-budget.js';
import type { BufferedPublish } from './publish-retry.js';
import type { RecordedConsumer, TopologyRecord } from './topology-record.js';

import type {
  RecoveringChannelCloseCallbackOf,
  RecoveringDeliveryCallbackOf,
  RecoveringReturnCallbackOf,
} from './recovering-channel-callbacks.js';

export type {
  RecoveringChannelCloseCallbackOf,
  RecoveringDeliveryCallbackOf,
  RecoveringReturnCallbackOf,
} from './recovering-channel-callbacks.js';

export type RecoveringChannelState = 'OPEN' | 'SUSPENDED' | 'CLOSING' | 'CLOSED';

/**
 * What a channel `C` needs from its RecoveringConnection (recovery's own wiring, not for
 * applications).
 */
export interface RecoveringChannelHostOf<C> {
  readonly record: TopologyRecord<C, RecoveringDeliveryCallbackOf<C>, FieldTable>;
  /** true while the connection is down, recovering, or flushing its buffer. */
  holdsPublishes(): boolean;
  /** Is the engine connection under the channel usable? */
  engineOpen(): boolean;
  /**
   * Buffers a publish (or throws PublishBufferFullError / OutageBudgetError); returns a function
   * that takes it back out and returns its room in the budget (false once it left the buffer).
   */
  hold(entry: BufferedPublish): () => boolean;
  /** Is the publish buffer on? (Off, publishWithRetry waits for the channel within the budget instead.) */
  buffersPublishes(): boolean;
  /** The connection's outage budget: what a wait for the recovered channel may hold. */
  budget(): OutageBudget;
  /** The channel closed for good. */
  forget(channel: C): void;
  reportCallbackError(error: unknown, where: string): void;
}

/**
 * `Self` is the concrete channel (RecoveringChannel) that users' callbacks and the record receive:
 * generic so that this file sits below recovering-channel.ts.
 */
export abstract class RecoveringChannelCore<Self> {
  protected engine: EngineChannel;
  protected stateValue: RecoveringChannelState = 'OPEN';
  protected readonly tags = new DeliveryTags();
  private generationValue = 1;
  private readonly qos = new Map<boolean, BasicQosOptions>();
  private confirmMode = false;
  private txMode = false;
  private readonly returnCallbacks: RecoveringReturnCallbackOf<Self>[] = [];
  private readonly cancelCallbacks: Array<(consumerTag: string) => void> = [];
  private readonly closeCallbacks: RecoveringChannelCloseCallbackOf<Self>[] = [];
  private readonly waiters = new GenerationWaiters();
  private finalError: AMQPError | undefined;
  private restoreErrorValue: ChannelClosedError | undefined;

  protected constructor(
    protected readonly host: RecoveringChannelHostOf<Self>,
    engine: EngineChannel,
  ) {
    this.engine = engine;
    this.wire(engine);
  }

  /** The engine channel's number (it may change after a recovery). */
  get channelNumber(): number {
    return this.engine.channelNumber;
  }

  get state(): RecoveringChannelState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'OPEN' && this.engine.isOpen;
  }

  /** 1 for the first engine channel, +1 after each recovery. */
  get generation(): number {
    return this.generationValue;
  }

  /** @internal Why the broker closed the engine channel during a restore, if it did. */
  get restoreError(): ChannelClosedError | undefined {
    return this.restoreErrorValue;
  }

  /** The engine channel of the moment (it changes after every recovery). */
  unwrap(): EngineChannel {
    return this.engine;
  }

  /** True when a delivery tag came from a channel that has since been lost (acking it would throw). */
  isStale(deliveryTag: number): boolean {
    return this.tags.isStale(deliveryTag, !this.engine.isOpen);
  }

  addOnReturnCallback(cb: RecoveringReturnCallbackOf<Self>): void {
    this.returnCallbacks.push(cb);
  }

  /** The broker cancelled a consumer (queue deleted ...): it is forgotten and not recovered. */
  addOnCancelCallback(cb: (consumerTag: string) => void): void {
    this.cancelCallbacks.push(cb);
  }

  /** Called once, when the channel closes for good (not when it is suspended for a recovery). */
  addOnCloseCallback(cb: RecoveringChannelCloseCallbackOf<Self>): void {
    this.closeCallbacks.push(cb);
  }

  // ---- driven by the RecoveringConnection ----

  /** @internal The connection died: calls wait, publishes are held, acks of earlier deliveries are stale. */
  suspend(): void {
    if (this.stateValue !== 'OPEN') return;
    this.stateValue = 'SUSPENDED';
  }

  /** @internal Opens a fresh engine channel on `connection` with this channel's qos and modes. */
  async reopen(connection: EngineConnection): Promise<void> {
    const ch = await connection.channel();
    this.engine = ch;
    this.restoreErrorValue = undefined;
    this.tags.nextChannel();
    this.generationValue += 1;
    this.wire(ch);
    for (const qos of this.qos.values()) await ch.basicQos(qos);
    if (this.confirmMode) await ch.confirmDelivery();
    if (this.txMode) await ch.txSelect();
  }

  /** @internal Starts a recorded consumer again on the new engine channel, with its old tag. */
  async restoreConsumer(
    consumer: RecordedConsumer<Self, RecoveringDeliveryCallbackOf<Self>, FieldTable>,
  ): Promise<void> {
    await this.engine.basicConsume(consumer.queue, this.deliveryHandler(consumer.onMessage), {
      consumerTag: consumer.consumerTag,
      autoAck: consumer.autoAck,
      exclusive: consumer.exclusive,
      arguments: consumer.arguments,
      oversize: consumer.oversize,
    });
  }

  /** @internal Recovery is complete: calls go through again. */
  resume(): void {
    if (this.stateValue !== 'SUSPENDED') return;
    this.stateValue = 'OPEN';
    this.waiters.resolveNewerThan(this.generationValue);
  }

  /** @internal Closed for good: waiters rejected, consumers forgotten, close callbacks told once. */
  finalize(error: AMQPError | undefined): void {
    if (this.stateValue === 'CLOSED') return;
    this.stateValue = 'CLOSED';
    this.finalError = error;
    this.host.forget(this.self);
    this.waiters.rejectAll(() => this.closedError('wait for recovery'));
    for (const cb of this.closeCallbacks) {
      try {
        cb(this.self, error);
      } catch (callbackError) {
        this.host.reportCallbackError(callbackError, 'channel close callback');
      }
    }
  }

  // ---- for the API ----

  /** The concrete channel (the subclass returns itself). */
  protected abstract get self(): Self;

  protected rememberQos(options: BasicQosOptions): void {
    this.qos.set(options.global === true, { ...options });
  }

  protected rememberConfirmMode(): void {
    this.confirmMode = true;
  }

  protected rememberTxMode(): void {
    this.txMode = true;
  }

  /** Runs `op` on the live engine channel, first waiting out a recovery. */
  protected async run<T>(op: (ch: EngineChannel) => Promise<T>): Promise<T> {
    if (this.stateValue === 'SUSPENDED') await this.untilGenerationAfter(this.generationValue - 1);
    if (this.stateValue !== 'OPEN') throw this.closedError('operation');
    return op(this.engine);
  }

  /**
   * Resolves once the channel is OPEN on a generation newer than `generation`; rejects if it closes
   * for good. With `bytes`, the wait keeps a message of that size in memory: it is counted by the
   * outage budget, and rejects with OutageBudgetError when the budget refuses it or its deadline
   * passes. `counted`: it was counted a moment ago, kept unconfirmed (see GenerationWaiters.wait).
   */
  protected untilGenerationAfter(generation: number, bytes?: number, counted = false): Promise<void> {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
      return Promise.reject(this.closedError('wait for recovery'));
    }
    if (this.stateValue === 'OPEN' && this.generationValue > generation) return Promise.resolve();
    if (bytes === undefined) return this.waiters.wait(generation);
    return this.waiters.wait(generation, this.host.budget(), bytes, counted);
  }

  protected engineTag(deliveryTag: number, method: string): number {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') throw this.closedError(method);
    // Not "suspended": during a restore the new engine channel already delivers, and those tags are
    // good. Only a dead engine channel (the one the loss took) makes every tag stale.
    return this.tags.toEngine(deliveryTag, !this.engine.isOpen);
  }

  protected deliveryHandler(
    onMessage: RecoveringDeliveryCallbackOf<Self>,
  ): (channel: unknown, method: BasicDeliver, properties: BasicProperties, body: Buffer, oversize?: OversizeMessageError) => void {
    const owner = this.engine;
    return (_channel, method, properties, body, oversize) => {
      // Only the live engine channel delivers; anything else is late news from a dead one.
      if (owner !== this.engine) return;
      const delivered = { ...method, deliveryTag: this.tags.toUser(method.deliveryTag) };
      if (oversize === undefined) onMessage(this.self, delivered, properties, body);
      else onMessage(this.self, delivered, properties, body, oversize);
    };
  }

  protected closedError(operation: string): AMQPError {
    if (this.finalError !== undefined) return this.finalError;
    return new InvalidStateError(`${operation}: the channel is closed`, this.stateValue);
  }

  private wire(ch: EngineChannel): void {
    ch.addOnCloseCallback((_channel: unknown, error: ChannelClosedError | ConnectionClosedError) =>
      this.onEngineClose(ch, error),
    );
    ch.addOnReturnCallback(
      (_channel: unknown, method: BasicReturn, properties: BasicProperties, body: Buffer) => {
        for (const cb of this.returnCallbacks) {
          this.safely(() => cb(this.self, method, properties, body), 'channel return callback');
        }
      },
    );
    ch.addOnCancelCallback((consumerTag: string) => {
      if (ch !== this.engine) return;
      this.host.record.removeConsumer(this.self, consumerTag);
      for (const cb of this.cancelCallbacks) this.safely(() => cb(consumerTag), 'channel cancel callback');
    });
  }

  /** One user callback failing must not skip the others (as the engine channel does for its own). */
  private safely(fn: () => void, where: string): void {
    try {
      fn();
    } catch (error) {
      this.host.reportCallbackError(error, where);
    }
  }

  private onEngineClose(ch: EngineChannel, error: ChannelClosedError | ConnectionClosedError): void {
    if (ch !== this.engine || this.stateValue === 'CLOSED') return;
    if (this.stateValue === 'CLOSING') {
      this.finalize(undefined);
      return;
    }
    // A connection loss suspends the channel; the connection decides between recovery and the end.
    if (error instanceof ConnectionClosedError || !this.host.engineOpen()) {
      this.suspend();
      return;
    }
    // Closed by the broker in the middle of a restore: the restore decides (retry, or close for good).
    if (this.stateValue === 'SUSPENDED') {
      this.restoreErrorValue = error;
      return;
    }
    // A channel error (404, 406 ...) on a live connection is final, as for an engine channel.
    this.finalize(error);
  }
}

