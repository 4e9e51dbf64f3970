import type { LoggerService } from '@nestjs/common';
import { InvalidStateError, type AMQPError } from '../../protocol/errors.js';
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

/** Where a consumer stands, as the consumer registry reports it. */
export type ConsumerState = 'idle' | 'consuming' | 'paused' | 'recovering' | 'stopped';

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
  // A counter and idle waiters, not a set of promises: no per-delivery allocation beyond the handling itself.
  private inFlightValue = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly spec: ConsumerSpec,
    private readonly host: AmqpConnectionHost,
    private readonly onDelivery: DeliveryHandler,
    private readonly logger: LoggerService,
    /** Told when the consumer stops without being asked (channel closed, broker cancel). */
    private readonly onLost: (runner: ConsumerRunner, error: Error) => void,
  ) {
    this.queueName = spec.topology.queue;
  }

  /** The queue consumed (the broker's name for a server-named queue, once started). */
  get queue(): string {
    return this.queueName;
  }

  /** True while basic.consume is active on an open channel. */
  get isConsuming(): boolean {
    return this.consumerTag !== undefined && this.lease?.alive === true;
  }

  /** True while paused on purpose (see {@link pause}). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** True when it should be consuming: started, neither paused nor stopped on purpose (what health expects). */
  get isExpected(): boolean {
    return !this.paused && !this.stopping;
  }

  /** The consumer tag while consuming. */
  get tag(): string | undefined {
    return this.consumerTag;
  }

  get state(): ConsumerState {
    if (this.channel === undefined) return 'idle';
    if (this.stopping || this.channel.state === 'CLOSED' || this.channel.state === 'CLOSING') return 'stopped';
    if (this.paused) return 'paused';
    if (this.channel.state === 'SUSPENDED') return 'recovering';
    return this.consumerTag === undefined ? 'stopped' : 'consuming';
  }

  /** Deliveries whose handling has not finished. */
  get inFlightCount(): number {
    return this.inFlightValue;
  }

  /** Opens the channel and starts consuming; rejects (after closing the channel) if any step fails. */
  async start(): Promise<void> {
    const channel = await this.host.channel();
    this.channel = channel;
    const lease = new ChannelLease(channel);
    lease.refusesNack = this.spec.stream === true;
    this.lease = lease;
    // Called when the channel is closed for good (a recoverable connection loss only suspends it).
    channel.addOnCloseCallback((_channel, error: AMQPError | undefined) => {
      this.consumerTag = undefined;
      if (!this.stopping) this.onLost(this, error ?? new Error(`the channel of ${this.spec.label} closed`));
    });
    channel.addOnCancelCallback((tag) => {
      if (tag !== this.consumerTag) return;
      this.consumerTag = undefined;
      if (!this.stopping) this.onLost(this, new Error(`the broker cancelled the consumer of ${this.spec.label} (queue deleted?)`));
    });
    try {
      if (this.spec.confirm) await channel.confirmDelivery();
      const topology =
        this.spec.onQueueMismatch === 'use-existing' ? await toleratingMismatch(this.host, this.spec, this.logger) : this.spec.topology;
      this.queueName = await declareTopology(channel, topology);
      lease.queue = this.queueName;
      await channel.basicQos({ prefetchCount: this.spec.prefetch, global: this.spec.prefetchGlobal === true });
      const queue = this.queueName;
      this.onMessage = (ch, method, properties, body) => this.receive(ch, lease, queue, method, properties, body);
      await this.consume(channel, this.onMessage);
    } catch (error) {
      this.stopping = true;
      await this.closeChannel();
      throw error;
    }
    for (const notice of this.spec.notices ?? []) this.logger.warn?.(notice);
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
      if (tag === undefined || this.channel === undefined) return;
      await this.channel.basicCancel(tag);
      this.consumerTag = undefined;
    });
  }

  /** Consumes again on the same channel (after a recovery, on the recovered one) with the same tag and options. */
  resume(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopping) throw new InvalidStateError(`${this.spec.label} cannot be resumed: it is stopped`, 'stopped');
      if (!this.paused) return;
      const channel = this.channel;
      const onMessage = this.onMessage;
      if (channel === undefined || onMessage === undefined) throw new InvalidStateError(`${this.spec.label} was never started`, 'idle');
      await this.consume(channel, onMessage);
      this.paused = false;
    });
  }

  /** Stops new deliveries (basic.cancel). In-flight ones go on; acks still work. */
  async cancel(): Promise<void> {
    this.stopping = true;
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
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      if (this.inFlightValue === 0) return true;
      const idle = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
      return await Promise.race([idle, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the channel: queued acks go out first; unacked messages return to the queue. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.closeChannel();
  }

  private async consume(channel: AmqpChannel, onMessage: RecoveringDeliveryCallback): Promise<void> {
    this.consumerTag = await channel.basicConsume(this.queueName, onMessage, {
      autoAck: this.spec.autoAck,
      ...(this.spec.exclusive === undefined ? {} : { exclusive: this.spec.exclusive }),
      ...(this.spec.consumerTag === undefined ? {} : { consumerTag: this.spec.consumerTag }),
      ...(this.spec.arguments === undefined ? {} : { arguments: this.spec.arguments }),
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
  ): void {
    const delivery = new Delivery(lease, method.deliveryTag, this.spec.autoAck);
    const message: AmqpMessage = { content: body, fields: method, properties };
    this.inFlightValue += 1;
    let task: Promise<void>;
    try {
      task =
        telemetry === undefined || !telemetry.active
          ? this.onDelivery(message, delivery, channel, queue)
          : telemetry.consume(queue, message, () => this.onDelivery(message, delivery, channel, queue));
    } catch (error) {
      this.failed(error);
      this.finished();
      return;
    }
    task.then(this.finished, this.failedAndFinished);
  }

  /** One delivery's handling ended; wakes `drain` when none is left. */
  private readonly finished = (): void => {
    this.inFlightValue -= 1;
    if (this.inFlightValue === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  private readonly failedAndFinished = (error: unknown): void => {
    this.failed(error);
    this.finished();
  };

  private failed(error: unknown): void {
    // A dispatcher bug must not become an unhandled rejection (or a throw) on the socket path.
    this.logger.error(`handling a delivery of ${this.spec.label} failed: ${describeError(error)}`);
  }
}
