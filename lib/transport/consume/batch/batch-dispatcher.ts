import type { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { StaleDeliveryError } from '../../../protocol/errors.js';
import { AmqpBatchContext } from '../../core/amqp-batch.context.js';
import type { AmqpMessage } from '../../core/amqp.context.js';
import { DEFAULT_BATCH_TIMEOUT_MS } from '../../options/consumer-pipeline.validate.js';
import type { QueueConsumerMetadata } from '../../decorators/queue-consumer.metadata.js';
import type { AmqpChannel } from '../../connection/connection-host.js';
import type { Delivery } from '../delivery.js';
import { originalErrorOf } from '../../decorators/handler-error-capture.js';
import type { HandlerRunner } from '../handler-invoker.js';
import { describeError, describeMessage } from '../message-identity.js';
import type { QueueConsumerDispatcher } from '../queue-consumer-dispatcher.js';

/** One message waiting in a batch, and the resolve of its delivery's dispatch promise. */
interface BatchEntry {
  readonly message: AmqpMessage;
  readonly delivery: Delivery;
  readonly data: unknown;
  readonly done: () => void;
}

/**
 * Gathers deliveries into batches of up to `batch.size`, or what arrived within `batch.timeout` ms
 * of a batch's first message, and hands the handler the array of payloads (its context is an
 * {@link AmqpBatchContext}). After success every message is acked: the acks of one batch leave as
 * one `multiple` ack (the channel lease merges them). When it fails, `batch.onError` says what
 * happens: `'each'` applies the consumer's `onError` to every message; `'split'` retries each alone.
 *
 * Each delivery's dispatch promise settles once its batch is done, so the runner's in-flight count
 * and a graceful shutdown's drain cover batched messages.
 */
export class BatchDispatcher {
  private entries: BatchEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private channel: AmqpChannel | undefined;
  private queue = '';
  private readonly size: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly handler: MessageHandler,
    private readonly metadata: QueueConsumerMetadata,
    private readonly run: HandlerRunner,
    private readonly logger: LoggerService,
    /** Decodes single messages, applies `onError`, and serves `'split'` retries. */
    private readonly single: QueueConsumerDispatcher,
  ) {
    const batch = metadata.options.batch;
    this.size = batch?.size ?? 1;
    this.timeoutMs = batch?.timeout ?? DEFAULT_BATCH_TIMEOUT_MS;
  }

  /** A {@link DeliveryHandler}: resolves once the message's batch has been handled and settled. */
  readonly dispatch = (message: AmqpMessage, delivery: Delivery, channel: AmqpChannel, queue: string): Promise<void> =>
    new Promise<void>((done) => {
      // A recovered channel is the same object; a new one means the old batch's deliveries are dead anyway.
      if (this.channel !== channel && this.entries.length > 0) this.flush();
      this.channel = channel;
      this.queue = queue;
      const { data } = this.single.contextOf(message, delivery, channel);
      this.entries.push({ message, delivery, data, done });
      if (this.entries.length >= this.size) this.flush();
      else if (this.timer === undefined) this.timer = setTimeout(this.flushOnTimer, this.timeoutMs);
    });

  private readonly flushOnTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const entries = this.entries;
    const channel = this.channel;
    this.entries = [];
    if (entries.length === 0 || channel === undefined) return;
    void this.handle(entries, channel, this.queue).finally(() => {
      for (const entry of entries) entry.done();
    });
  }

  private async handle(entries: BatchEntry[], channel: AmqpChannel, queue: string): Promise<void> {
    const messages = entries.map((entry) => entry.message);
    const last = entries[entries.length - 1] as BatchEntry;
    const context = new AmqpBatchContext(messages, channel, this.metadata.pattern, last.delivery);
    const result = await this.run(
      this.handler,
      entries.map((entry) => entry.data),
      context,
    );
    if (result.ok) {
      for (const entry of entries) this.ack(entry, queue);
      return;
    }
    const reason = `batch handler failed for ${entries.length} message(s): ${describeError(result.error)}`;
    if (this.metadata.options.batch?.onError === 'split') {
      this.logger.warn?.(`${reason}; retrying them one by one (batch.onError: 'split')`);
      for (const entry of entries) await this.retryAlone(entry, channel, queue);
      return;
    }
    const error = originalErrorOf(context, result.error);
    for (const entry of entries) {
      const single = new AmqpBatchContext([entry.message], channel, this.metadata.pattern, entry.delivery);
      await this.single.fail(error, single, entry.message, entry.delivery, channel, queue, reason);
    }
  }

  private async retryAlone(entry: BatchEntry, channel: AmqpChannel, queue: string): Promise<void> {
    const context = new AmqpBatchContext([entry.message], channel, this.metadata.pattern, entry.delivery);
    const result = await this.run(this.handler, [entry.data], context);
    if (result.ok) {
      this.ack(entry, queue);
      return;
    }
    const reason = `handler failed for it alone (batch.onError: 'split'): ${describeError(result.error)}`;
    await this.single.fail(result.error, context, entry.message, entry.delivery, channel, queue, reason);
  }

  private ack(entry: BatchEntry, queue: string): void {
    if (entry.delivery.settled) return;
    try {
      entry.delivery.ack();
    } catch (error) {
      const text = `${describeMessage(entry.message, queue)}: ${describeError(error)}`;
      if (error instanceof StaleDeliveryError) this.logger.warn?.(text);
      else this.logger.error(text);
    }
  }
}
