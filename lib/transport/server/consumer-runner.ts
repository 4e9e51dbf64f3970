import type { LoggerService } from '@nestjs/common';
import type { AMQPError } from '../../protocol/errors.js';
import type { BasicDeliver, BasicProperties, FieldTable } from '../../protocol/index.js';
import type { AmqpMessage } from '../amqp.context.js';
import type { AmqpChannel, AmqpConnectionHost } from '../shared/connection-host.js';
import type { QueueMismatchPolicy } from '../decorators/consumer-pipeline.options.js';
import { declareTopology, type ConsumerTopology } from './consumer-topology.js';
import { toleratingMismatch } from './queue-mismatch.js';
import { ChannelLease, Delivery } from './delivery.js';
import { describeError } from './message-identity.js';
import { telemetry } from '../telemetry/telemetry.js';

/** Everything one consumer needs to start: its topology, qos, ack mode and consume flags. */
export interface ConsumerSpec {
  /** Names the consumer in logs and errors. */
  label: string;
  topology: ConsumerTopology;
  /** basic.qos prefetch count (0 = unlimited). */
  prefetch: number;
  /** basic.qos `global` (Nest RMQ's isGlobalPrefetchCount). */
  prefetchGlobal?: boolean | undefined;
  /** True for ack mode 'none': the broker forgets a message once sent. */
  autoAck: boolean;
  /** Puts the channel in confirm mode (for retry republishes that must be confirmed before the ack). */
  confirm: boolean;
  consumerTag?: string | undefined;
  exclusive?: boolean | undefined;
  arguments?: FieldTable | undefined;
  /** When the queue exists with other arguments: fail, consume it as it is, or (set in `topology`) only check it exists. @default 'fail' */
  onQueueMismatch?: QueueMismatchPolicy | undefined;
  /** A stream queue: its deliveries refuse nack and reject. */
  stream?: boolean | undefined;
  /** Said once (WARN) when the consumer has started, e.g. a queue without a dead-letter exchange. */
  notices?: string[] | undefined;
}

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
      this.consumerTag = await channel.basicConsume(
        queue,
        (ch, method, properties, body) => this.receive(ch, lease, queue, method, properties, body),
        {
          autoAck: this.spec.autoAck,
          ...(this.spec.exclusive === undefined ? {} : { exclusive: this.spec.exclusive }),
          ...(this.spec.consumerTag === undefined ? {} : { consumerTag: this.spec.consumerTag }),
          ...(this.spec.arguments === undefined ? {} : { arguments: this.spec.arguments }),
        },
      );
    } catch (error) {
      this.stopping = true;
      await this.closeChannel();
      throw error;
    }
    for (const notice of this.spec.notices ?? []) this.logger.warn?.(notice);
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
        telemetry === undefined
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
