/**
 * The deliveries of a ConsumerRunner from the engine's callback to the end of their handling: each
 * handed to the server's handler (or to the oversize fate), counted in flight so `drain` can wait for
 * it, its body counted by the byte bound and its handler watched against consumer_timeout. Its own
 * file because none of this touches the runner's channel or consumer state: the runner passes what
 * a delivery needs (channel, lease, queue) with it.
 */
import type { LoggerService } from '@nestjs/common';
import type { OversizeMessageError } from '../../protocol/errors.js';
import type { BasicDeliver, BasicProperties } from '../../protocol/index.js';
import type { AmqpMessage } from '../core/amqp.context.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { telemetry } from '../telemetry/telemetry.js';
import type { ConsumerSpec } from './consumer-specs.js';
import { Delivery, type ChannelLease } from './delivery.js';
import type { OversizeHandler } from './failure/oversize-fate.js';
import { HandlerTimeoutWatch, type WatchedDelivery } from './handler-timeout-watch.js';
import type { InFlightBytes } from './in-flight-bytes.js';
import { InFlightCount } from './in-flight-count.js';
import { describeError } from './message-identity.js';

/** What the server does with one delivery; it must settle `delivery` (or leave it to the handler) and never reject. */
export type DeliveryHandler = (message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string) => Promise<void>;

export class DeliveryIntake {
  private readonly inFlight = new InFlightCount();
  /** Warns about handlers nearing the broker's consumer_timeout (not for ack: 'none'). */
  private readonly timeouts: HandlerTimeoutWatch | undefined;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly onDelivery: DeliveryHandler,
    private readonly logger: LoggerService,
    /** The byte bound (`maxInFlightBytes`), if any; its flow control is the runner's. */
    private readonly bytes: InFlightBytes | undefined,
    /** Gives an oversize delivery its fate; without it the engine rejects such deliveries without requeue. */
    private readonly onOversize: OversizeHandler | undefined,
  ) {
    const timeout = spec.consumerTimeoutMs;
    this.timeouts = timeout === undefined ? undefined : new HandlerTimeoutWatch(timeout, spec.label, (line) => this.logger.warn?.(line));
  }

  /** Deliveries whose handling has not finished. */
  get inFlightCount(): number {
    return this.inFlight.value;
  }

  /** Resolves true once every in-flight delivery has finished, false if `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.inFlight.drain(timeoutMs);
  }

  /** No more consumer_timeout warnings (the runner closes). */
  stop(): void {
    this.timeouts?.stop();
  }

  receive(
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
    // intake's own functions when there is nothing else to release (no closure per delivery).
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

  private failed(error: unknown): void {
    // A dispatcher bug must not become an unhandled rejection (or a throw) on the socket path.
    this.logger.error(`handling a delivery of ${this.spec.label} failed: ${describeError(error)}`);
  }
}
