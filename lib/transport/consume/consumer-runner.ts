import type { LoggerService } from '@nestjs/common';
import { InvalidStateError, type AMQPError } from '../../protocol/errors.js';
import type { RecoveringDeliveryCallback } from '../../protocol/recovery/index.js';
import type { AmqpChannel, AmqpConnectionHost } from '../connection/connection-host.js';
import { declareTopology } from './consumer-topology.js';
import type { ConsumerSpec } from './consumer-specs.js';
import { toleratingMismatch } from './queue-mismatch.js';
import { ChannelLease } from './delivery.js';
import { describeError } from './message-identity.js';
import { InFlightBytes } from './in-flight-bytes.js';
import { ConsumerHealer } from './consumer-healer.js';
import { DeliveryIntake, type DeliveryHandler } from './delivery-intake.js';
import type { OversizeHandler } from './failure/oversize-fate.js';

export type { DeliveryHandler } from './delivery-intake.js';

/** Where a consumer stands (registry): 'healing' while restarted after the broker ended it; 'stopped' by the app or down for good. */
export type ConsumerState = 'idle' | 'consuming' | 'paused' | 'recovering' | 'healing' | 'stopped';

/**
 * One consumer on its own channel: start-up as the engine's steps in order (channel-open, exchange
 * and queue declarations, bindings, basic.qos, basic.consume), then every delivery handed to
 * `onDelivery` and tracked until it has finished, so `drain` can wait for in-flight work (the
 * deliveries: delivery-intake.ts; restarts after the broker ended it: consumer-healer.ts).
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
  /** The byte bound (`maxInFlightBytes`), if any. */
  private readonly bytes: InFlightBytes | undefined;
  private readonly intake: DeliveryIntake;
  private readonly healer: ConsumerHealer;

  constructor(
    readonly spec: ConsumerSpec,
    private readonly host: AmqpConnectionHost,
    onDelivery: DeliveryHandler,
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
    this.intake = new DeliveryIntake(spec, onDelivery, logger, this.bytes, onOversize);
    this.healer = new ConsumerHealer(spec, logger, {
      stopping: () => this.stopping,
      restart: () => this.control.then(() => this.restart()),
      down: (error) => this.onLost(this, error),
    });
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
    return this.healer.healing;
  }

  /** Why the consumer is down for good (its restarts failed), until resume() starts it again. */
  get downReason(): Error | undefined {
    return this.healer.downReason;
  }

  /** The consumer tag while consuming. */
  get tag(): string | undefined {
    return this.consumerTag;
  }

  get state(): ConsumerState {
    if (this.healer.healing !== undefined && !this.stopping) return 'healing';
    if (this.channel === undefined) return 'idle';
    if (this.stopping || this.channel.state === 'CLOSED' || this.channel.state === 'CLOSING') return 'stopped';
    if (this.paused) return 'paused';
    if (this.channel.state === 'SUSPENDED') return 'recovering';
    return this.consumerTag === undefined && this.bytes?.isHeld !== true ? 'stopped' : 'consuming';
  }

  /** Deliveries whose handling has not finished. */
  get inFlightCount(): number {
    return this.intake.inFlightCount;
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
      if (!this.stopping) this.healer.lost(error ?? new Error(`the channel of ${this.spec.label} closed`));
    });
    channel.addOnCancelCallback((tag) => {
      if (this.channel !== channel || tag !== this.consumerTag) return;
      this.consumerTag = undefined;
      if (!this.stopping) this.healer.lost(new Error(`the broker cancelled the consumer of ${this.spec.label} (queue deleted?)`));
    });
    if (this.spec.confirm) await channel.confirmDelivery();
    const topology =
      this.spec.onQueueMismatch === 'use-existing' ? await toleratingMismatch(this.host, this.spec, this.logger) : this.spec.topology;
    this.queueName = await declareTopology(channel, topology);
    lease.queue = this.queueName;
    await channel.basicQos({ prefetchCount: this.prefetchCount, global: this.spec.prefetchGlobal === true });
    const queue = this.queueName;
    this.onMessage = (ch, method, properties, body, oversize) => this.intake.receive(ch, lease, queue, method, properties, body, oversize);
    // Paused by the app: the new channel waits for resume().
    if (!this.paused) await this.consume(channel, this.onMessage);
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
      if (this.healer.isDown) {
        // Down after the broker ended it: start it again (a new channel, its topology declared again).
        this.paused = false;
        await this.restart();
        this.healer.revived();
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
    this.healer.stop();
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
    return this.intake.drain(timeoutMs);
  }

  /** Closes the channel: queued acks go out first; unacked messages return to the queue. */
  async close(): Promise<void> {
    this.stopping = true;
    this.healer.stop();
    this.intake.stop();
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
}
