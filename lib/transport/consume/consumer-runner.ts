import type { LoggerService } from '@nestjs/common';
import { InvalidStateError, type AMQPError, type OversizeMessageError } from '../../protocol/errors.js';
import type { BasicDeliver, BasicProperties } from '../../protocol/index.js';
import type { AmqpMessage } from '../core/amqp.context.js';
import type { RecoveringDeliveryCallback } from '../../protocol/recovery/index.js';
import type { AmqpChannel, AmqpConnectionHost } from '../connection/connection-host.js';
import { declareTopology } from './consumer-topology.js';
import type { ConsumerSpec } from './consumer-specs.js';
import { toleratingMismatch } from './queue-mismatch.js';
import { ChannelLease, Delivery } from './delivery.js';
import { describeError } from './message-identity.js';
import { telemetry } from '../telemetry/telemetry.js';
import { healingDelay } from '../options/consumer-healing.options.js';
import { InFlightBytes } from './in-flight-bytes.js';
import { retryDelay } from './retry-republisher.js';
import { InFlightCount } from './in-flight-count.js';
import { HandlerTimeoutWatch, type WatchedDelivery } from './handler-timeout-watch.js';
import type { OversizeHandler } from './failure/oversize-fate.js';

/** Where a consumer stands (registry): 'healing' while restarted after the broker ended it; 'stopped' by the app or down for good. */
export type ConsumerState = 'idle' | 'consuming' | 'paused' | 'recovering' | 'healing' | 'stopped';

/** What the server does with one delivery; it must settle `delivery` (or leave it to the handler) and never reject. */
export type DeliveryHandler = (message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string) => Promise<void>;

/**
 * One consumer on its own channel: start-up as the engine's steps in order (channel-open, exchange
 * and queue declarations, bindings, basic.qos, basic.consume), then every delivery handed to
 * `onDelivery` and tracked until it has finished, so `drain` can wait for in-flight work.
 */
export class ConsumerRunner {
  private channel: AmqpChannel | undefined;
  private lease: ChannelLease | undefined;
  private consumerTag: string | undefined;
  private queueName: string;
  private stopping = false;
  private paused = false;
  /** Pause and resume one after the other, so quick toggles leave the state of the last call. */
  private control: Promise<void> = Promise.resolve();
  private onMessage: RecoveringDeliveryCallback | undefined;
  private readonly inFlight = new InFlightCount();
  /** Warns about handlers nearing the broker's consumer_timeout (not for ack: 'none'). */
  private readonly timeouts: HandlerTimeoutWatch | undefined;
  /** Set while restarting after the broker ended the consumer. */
  private healingNow: { attempt: number; cause: Error } | undefined;
  /** Why it is down for good (its restarts failed, or healing is off); cleared by resume(). */
  private downCause: Error | undefined;
  /** The byte bound (`maxInFlightBytes`), if any. */
  private readonly bytes: InFlightBytes | undefined;
  /** Wakes a healing wait early (stop). */
  private wakeHealing: (() => void) | undefined;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly host: AmqpConnectionHost,
    private readonly onDelivery: DeliveryHandler,
    private readonly logger: LoggerService,
    /** Told when the consumer stops without being asked (channel closed, broker cancel). */
    private readonly onLost: (runner: ConsumerRunner, error: Error) => void,
    /** Gives an oversize delivery its fate; without it the engine rejects such deliveries without requeue. */
    private readonly onOversize?: OversizeHandler,
  ) {
    this.queueName = spec.topology.queue;
    const max = spec.maxInFlightBytes;
    const flow = { stop: () => this.stopFlow(), start: () => this.startFlow() };
    this.bytes = max === undefined ? undefined : new InFlightBytes(max, spec.prefetch, flow, spec.stream === true ? undefined : spec.boundGiven === true ? 1 : spec.prefetch);
    const timeout = spec.consumerTimeoutMs;
    this.timeouts = timeout === undefined ? undefined : new HandlerTimeoutWatch(timeout, spec.label, (line) => this.logger.warn?.(line));
  }

  /** The queue consumed (the broker's name for a server-named queue, once started). */
  get queue(): string {
    return this.queueName;
  }

  /** True while basic.consume is active on an open channel. */
  get isConsuming(): boolean {
    return (this.consumerTag !== undefined || this.bytes?.isHeld === true) && this.lease?.alive === true;
  }

  /** Body bytes held by deliveries whose handling has not finished (bodies from 64 KiB up are counted). */
  get inFlightBytes(): number {
    return this.bytes?.value ?? 0;
  }

  /** The prefetch count to ask for: the byte bound's window, else the configured prefetch. */
  private get prefetchCount(): number {
    return this.bytes?.window?.value ?? this.spec.prefetch;
  }

  /** True while paused on purpose (see {@link pause}). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** True when it should be consuming: started, neither paused nor stopped on purpose (what health expects). */
  get isExpected(): boolean {
    return !this.paused && !this.stopping;
  }

  /** The restart under way after the broker ended the consumer, if any: its attempt and the cause. */
  get healing(): { readonly attempt: number; readonly cause: Error } | undefined {
    return this.healingNow;
  }

  /** Why the consumer is down for good (its restarts failed), until resume() starts it again. */
  get downReason(): Error | undefined {
    return this.downCause;
  }

  /** The consumer tag while consuming. */
  get tag(): string | undefined {
    return this.consumerTag;
  }

  get state(): ConsumerState {
    if (this.healingNow !== undefined && !this.stopping) return 'healing';
    if (this.channel === undefined) return 'idle';
    if (this.stopping || this.channel.state === 'CLOSED' || this.channel.state === 'CLOSING') return 'stopped';
    if (this.paused) return 'paused';
    if (this.channel.state === 'SUSPENDED') return 'recovering';
    return this.consumerTag === undefined && this.bytes?.isHeld !== true ? 'stopped' : 'consuming';
  }

  /** Deliveries whose handling has not finished. */
  get inFlightCount(): number {
    return this.inFlight.value;
  }

  /** Opens the channel and starts consuming; rejects (after closing the channel) if any step fails. */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      this.stopping = true;
      await this.closeChannel();
      throw error;
    }
    for (const notice of this.spec.notices ?? []) this.logger.warn?.(notice);
  }

  /** One channel's life: open it, declare the topology, qos, consume. Losses of this channel (not an older one) start healing. */
  private async open(): Promise<void> {
    const channel = await this.host.channel();
    this.channel = channel;
    const lease = new ChannelLease(channel);
    lease.refusesNack = this.spec.stream === true;
    this.lease = lease;
    // Called when the channel is closed for good (a recoverable connection loss only suspends it).
    channel.addOnCloseCallback((_channel, error: AMQPError | undefined) => {
      if (this.channel !== channel) return;
      this.consumerTag = undefined;
      if (!this.stopping) this.lost(error ?? new Error(`the channel of ${this.spec.label} closed`));
    });
    channel.addOnCancelCallback((tag) => {
      if (this.channel !== channel || tag !== this.consumerTag) return;
      this.consumerTag = undefined;
      if (!this.stopping) this.lost(new Error(`the broker cancelled the consumer of ${this.spec.label} (queue deleted?)`));
    });
    if (this.spec.confirm) await channel.confirmDelivery();
    const topology =
      this.spec.onQueueMismatch === 'use-existing' ? await toleratingMismatch(this.host, this.spec, this.logger) : this.spec.topology;
    this.queueName = await declareTopology(channel, topology);
    lease.queue = this.queueName;
    await channel.basicQos({ prefetchCount: this.prefetchCount, global: this.spec.prefetchGlobal === true });
    const queue = this.queueName;
    this.onMessage = (ch, method, properties, body, oversize) => this.receive(ch, lease, queue, method, properties, body, oversize);
    // Paused by the app: the new channel waits for resume().
    if (!this.paused) await this.consume(channel, this.onMessage);
  }

  /**
   * The broker ended the channel or the consumer. With healing on, the consumer is restarted with
   * backoff (a new channel, its topology declared again) until it consumes or its attempts run out;
   * then, or with healing off, the server is told once (one ERROR naming the cause).
   */
  private lost(cause: Error): void {
    if (this.healingNow !== undefined) return;
    const healing = this.spec.healing;
    if (healing === undefined || healing === false) {
      this.downCause = cause;
      this.onLost(this, cause);
      return;
    }
    this.healingNow = { attempt: 0, cause };
    void this.heal(healing, cause);
  }

  private async heal(healing: Exclude<ConsumerSpec['healing'], false | undefined>, cause: Error): Promise<void> {
    let last = cause;
    for (let attempt = 1; attempt <= healing.attempts; attempt += 1) {
      const delay = healingDelay(healing, attempt);
      this.healingNow = { attempt, cause: last };
      this.logger.warn?.(
        `${this.spec.label} lost its consumer (${describeError(last)}); restarting in ${delay} ms (attempt ${attempt} of ${healing.attempts})`,
      );
      const wake = new AbortController();
      this.wakeHealing = () => wake.abort();
      await retryDelay(delay, wake.signal);
      this.wakeHealing = undefined;
      if (this.stopping) break;
      try {
        await this.control.then(() => this.restart());
        this.healingNow = undefined;
        this.downCause = undefined;
        this.logger.log?.(`${this.spec.label} consuming again after ${attempt} restart attempt(s)`);
        return;
      } catch (error) {
        last = error instanceof Error ? error : new Error(describeError(error));
      }
    }
    this.healingNow = undefined;
    if (this.stopping) return;
    this.downCause = last;
    this.onLost(this, new Error(`${this.spec.label} stays down after ${healing.attempts} restart attempt(s): ${describeError(last)}`));
  }

  /** Drops the old channel (its unacked messages go back to the queue) and opens a new one. */
  private async restart(): Promise<void> {
    const old = this.channel;
    this.lease?.end();
    if (old !== undefined && (old.state === 'OPEN' || old.state === 'SUSPENDED')) await old.close().catch(() => undefined);
    try {
      await this.open();
    } catch (error) {
      const channel = this.channel;
      if (channel !== undefined && channel !== old && channel.state === 'OPEN') await channel.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops deliveries without closing anything: basic.cancel on the same channel, so in-flight
   * handlers still ack. The recovery record forgets a cancelled consumer, so a connection recovery
   * while paused leaves it paused. Refused for an auto-delete queue, which the broker would delete
   * when its last consumer goes.
   */
  pause(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopping) throw new InvalidStateError(`${this.spec.label} cannot be paused: it is stopped`, 'stopped');
      const declaration = this.spec.topology.declare;
      if (declaration !== false && declaration.autoDelete) {
        throw new InvalidStateError(`${this.spec.label} cannot be paused: its queue is auto-delete and the broker would delete it`, 'consuming');
      }
      if (this.paused) return;
      this.paused = true;
      const tag = this.consumerTag;
      // A suspended channel (connection recovering) takes the cancel: its recovery record forgets the consumer.
      if (tag === undefined || this.channel === undefined || this.channel.state === 'CLOSED' || this.channel.state === 'CLOSING') return;
      await this.channel.basicCancel(tag);
      this.consumerTag = undefined;
    });
  }

  /** Consumes again on the same channel (after a recovery, on the recovered one) with the same tag and options. */
  resume(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopping) throw new InvalidStateError(`${this.spec.label} cannot be resumed: it is stopped`, 'stopped');
      if (this.downCause !== undefined && this.healingNow === undefined) {
        // Down after the broker ended it: start it again (a new channel, its topology declared again).
        this.paused = false;
        await this.restart();
        this.downCause = undefined;
        return;
      }
      if (!this.paused) return;
      const channel = this.channel;
      const onMessage = this.onMessage;
      if (channel === undefined || onMessage === undefined) throw new InvalidStateError(`${this.spec.label} was never started`, 'idle');
      await this.consume(channel, onMessage, true);
      this.paused = false;
    });
  }

  /** Stops new deliveries (basic.cancel). In-flight ones go on; acks still work. */
  async cancel(): Promise<void> {
    this.stopping = true;
    this.wakeHealing?.();
    const tag = this.consumerTag;
    const channel = this.channel;
    // While suspended (connection recovering) the cancel only drops the consumer from the recovery record.
    if (tag === undefined || channel === undefined || (channel.state !== 'OPEN' && channel.state !== 'SUSPENDED')) return;
    try {
      await channel.basicCancel(tag);
    } catch (error) {
      this.logger.warn?.(`cancelling the consumer of ${this.spec.label} failed: ${describeError(error)}`);
    }
    this.consumerTag = undefined;
  }

  /** Resolves true once every in-flight delivery has finished, false if `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.inFlight.drain(timeoutMs);
  }

  /** Closes the channel: queued acks go out first; unacked messages return to the queue. */
  async close(): Promise<void> {
    this.stopping = true;
    this.wakeHealing?.();
    this.timeouts?.stop();
    await this.closeChannel();
  }

  /** basic.consume; `again`: first the window's count, if it has one (a new per-consumer prefetch applies only to later consumers). */
  private async consume(channel: AmqpChannel, onMessage: RecoveringDeliveryCallback, again = false): Promise<void> {
    const window = this.bytes?.window;
    if (again && window !== undefined) await channel.basicQos({ prefetchCount: window.value, global: this.spec.prefetchGlobal === true });
    this.consumerTag = await channel.basicConsume(this.queueName, onMessage, {
      autoAck: this.spec.autoAck,
      ...(this.spec.exclusive === undefined ? {} : { exclusive: this.spec.exclusive }),
      ...(this.spec.consumerTag === undefined ? {} : { consumerTag: this.spec.consumerTag }),
      ...(this.spec.arguments === undefined ? {} : { arguments: this.spec.arguments }),
      ...(this.onOversize === undefined ? {} : { oversize: 'deliver' as const }),
    });
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    const next = this.control.then(step);
    this.control = next.catch(() => undefined);
    return next;
  }

  private async closeChannel(): Promise<void> {
    const channel = this.channel;
    if (channel === undefined) return;
    try {
      // Acks still gathered for this turn go out before the close, or their messages would come back.
      this.lease?.flush();
      // A suspended channel must be closed too, or the recovery would reopen it after we left.
      if (channel.state === 'OPEN' || channel.state === 'SUSPENDED') await channel.close();
    } catch (error) {
      this.logger.warn?.(`closing the channel of ${this.spec.label} failed: ${describeError(error)}`);
    } finally {
      this.lease?.end();
    }
  }

  private receive(
    channel: AmqpChannel,
    lease: ChannelLease,
    queue: string,
    method: BasicDeliver,
    properties: BasicProperties,
    body: Buffer,
    oversize?: OversizeMessageError,
  ): void {
    const delivery = new Delivery(lease, method.deliveryTag, this.spec.autoAck);
    const message: AmqpMessage = { content: body, fields: method, properties };
    this.inFlight.started();
    let task: Promise<void>;
    try {
      task =
        oversize !== undefined && this.onOversize !== undefined
          ? this.onOversize(message, delivery, queue, oversize)
          : telemetry === undefined || !telemetry.active
          ? this.onDelivery(message, delivery, channel, queue)
          : telemetry.consume(queue, message, () => this.onDelivery(message, delivery, channel, queue));
    } catch (error) {
      this.failed(error);
      this.inFlight.finished();
      return;
    }
    const counted = this.bytes?.take(body.length);
    const watched = this.timeouts?.watch(message, queue);
    // One reaction per delivery for all that its end releases, not a derived promise for each; the
    // runner's own functions when there is nothing else to release (no closure per delivery).
    if (counted === undefined && watched === undefined) task.then(this.inFlight.finished, this.failedAndFinished);
    else task.then(() => this.ended(counted, watched), (error: unknown) => (this.failed(error), this.ended(counted, watched)));
  }

  private ended(counted: number | undefined, watched: WatchedDelivery | undefined): void {
    this.inFlight.finished();
    if (counted !== undefined) this.bytes?.give(counted);
    if (watched !== undefined) this.timeouts?.end(watched);
  }

  private readonly failedAndFinished = (error: unknown): void => {
    this.failed(error);
    this.inFlight.finished();
  };

  /** Over the byte bound: basic.cancel (in-flight deliveries still ack) until the handlers catch up. */
  private stopFlow(): void {
    this.logger.debug?.(`${this.spec.label}: over maxInFlightBytes ${this.spec.maxInFlightBytes}: consumption paused until handlers catch up`);
    void this.serialize(async () => {
      const tag = this.consumerTag;
      if (tag === undefined || this.channel?.isOpen !== true || this.paused) return;
      await this.channel.basicCancel(tag);
      if (this.consumerTag === tag) this.consumerTag = undefined;
    }).catch(() => undefined);
  }

  private startFlow(): void {
    void this.serialize(async () => {
      const { channel, onMessage } = this;
      if (this.paused || this.stopping || this.consumerTag !== undefined || channel?.isOpen !== true || onMessage === undefined) return;
      await this.consume(channel, onMessage, true);
    }).catch((error: unknown) => this.logger.warn?.(`${this.spec.label}: consuming again after a byte pause failed: ${describeError(error)}`));
  }

  private failed(error: unknown): void {
    // A dispatcher bug must not become an unhandled rejection (or a throw) on the socket path.
    this.logger.error(`handling a delivery of ${this.spec.label} failed: ${describeError(error)}`);
  }
}
