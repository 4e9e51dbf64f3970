/**
 * A channel's consumers and unacked deliveries: delivery tags, prefetch per consumer and per channel
 * (basic.qos global), ack / nack / reject with `multiple` and `requeue` (406 for an unknown tag),
 * basic.get, the requeue of everything unacked when the channel goes, and the direct reply-to
 * consumer.
 */
import type { FieldTable } from '../../protocol/index.js';
import type { QueueConsumer } from '../broker/consumer.js';
import type { MemoryQueue } from '../broker/memory-queue.js';
import type { QueuedMessage } from '../broker/message.js';
import { Code, NotModelledError, refuse } from '../errors.js';

/** Where a channel's deliveries are written. */
export interface DeliveryWriter {
  readonly open: boolean;
  readonly cancelNotify: boolean;
  writeDeliver(consumerTag: string, deliveryTag: number, entry: QueuedMessage, queue: string): void;
  writeCancel(consumerTag: string): void;
  /** A queue of an auto-delete kind lost its last consumer. */
  autoDelete(queue: MemoryQueue): void;
}

interface Unacked {
  queue: MemoryQueue;
  entry: QueuedMessage;
  consumer: ChannelConsumer | undefined;
}

export class ChannelConsumer implements QueueConsumer {
  unacked = 0;
  constructor(
    readonly deliveries: ChannelDeliveries,
    readonly queue: MemoryQueue,
    readonly tag: string,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    readonly args: FieldTable,
    readonly prefetch: number,
  ) {}

  canTake(): boolean {
    return this.deliveries.canTake(this);
  }

  deliver(entry: QueuedMessage, _queueName: string): void {
    this.deliveries.deliver(this, entry);
  }

  queueGone(): void {
    this.deliveries.consumerGone(this, true);
  }
}

export class ChannelDeliveries {
  readonly consumers = new Map<string, ChannelConsumer>();
  /** basic.qos with global=false: the prefetch of consumers created afterwards. */
  consumerPrefetch = 0;
  /** basic.qos with global=true: a limit shared by every consumer of the channel. */
  channelPrefetch = 0;
  #tag = 0;
  readonly #unacked = new Map<number, Unacked>();
  #tags = 0;

  constructor(private readonly writer: DeliveryWriter) {}

  canTake(consumer: ChannelConsumer): boolean {
    if (!this.writer.open) return false;
    if (consumer.noAck) return true;
    if (consumer.prefetch > 0 && consumer.unacked >= consumer.prefetch) return false;
    return this.channelPrefetch === 0 || this.#unacked.size < this.channelPrefetch;
  }

  consume(queue: MemoryQueue, tag: string, noAck: boolean, exclusive: boolean, args: FieldTable): ChannelConsumer {
    if (args['x-priority'] !== undefined) throw new NotModelledError('consumer priorities (x-priority)');
    const name = tag === '' ? `amq.ctag-${(++this.#tags).toString(36)}-${Math.random().toString(36).slice(2, 14)}` : tag;
    if (this.consumers.has(name)) throw refuse(Code.NOT_ALLOWED, `attempt to reuse consumer tag '${name}'`);
    if (queue.consumers.some((c) => c.exclusive) || (exclusive && queue.consumers.length > 0)) {
      throw refuse(Code.ACCESS_REFUSED, `queue '${queue.name}' in vhost '${queue.host.name}' in exclusive use`);
    }
    const consumer = new ChannelConsumer(this, queue, name, noAck, exclusive, args, this.consumerPrefetch);
    this.consumers.set(name, consumer);
    return consumer;
  }

  /** Cancels a consumer (basic.cancel, queue gone, channel gone); `notify` = tell the client (basic.cancel). */
  consumerGone(consumer: ChannelConsumer, notify: boolean): void {
    if (this.consumers.get(consumer.tag) !== consumer) return;
    this.consumers.delete(consumer.tag);
    if (notify) {
      if (this.writer.cancelNotify && this.writer.open) this.writer.writeCancel(consumer.tag);
      return;
    }
    if (consumer.queue.removeConsumer(consumer)) this.writer.autoDelete(consumer.queue);
  }

  deliver(consumer: ChannelConsumer, entry: QueuedMessage): void {
    const tag = ++this.#tag;
    if (!consumer.noAck) {
      this.#unacked.set(tag, { queue: consumer.queue, entry, consumer });
      consumer.unacked++;
    }
    this.writer.writeDeliver(consumer.tag, tag, entry, consumer.queue.name);
  }

  /** basic.get: a tag for the message, tracked unless `noAck`. */
  take(queue: MemoryQueue, entry: QueuedMessage, noAck: boolean): number {
    const tag = ++this.#tag;
    if (!noAck) this.#unacked.set(tag, { queue, entry, consumer: undefined });
    return tag;
  }

  /** A tag for a direct reply-to delivery (never acked). */
  replyTag(): number {
    return ++this.#tag;
  }

  ack(deliveryTag: number, multiple: boolean): void {
    this.#settle(this.#pick(deliveryTag, multiple), 'ack');
  }

  nack(deliveryTag: number, multiple: boolean, requeue: boolean): void {
    this.#settle(this.#pick(deliveryTag, multiple), requeue ? 'requeue' : 'reject');
  }

  /** The channel is going: cancel every consumer, requeue every unacked message. */
  teardown(): void {
    for (const consumer of [...this.consumers.values()]) this.consumerGone(consumer, false);
    const all = [...this.#unacked.values()];
    this.#unacked.clear();
    for (const [queue, entries] of byQueue(all)) queue.requeue(entries, false);
  }

  #pick(deliveryTag: number, multiple: boolean): Unacked[] {
    if (multiple) {
      // As RabbitMQ: the tag itself must be outstanding (0 = everything outstanding).
      if (deliveryTag !== 0 && !this.#unacked.has(deliveryTag)) throw this.#unknown(deliveryTag);
      const picked: Unacked[] = [];
      for (const [tag, u] of this.#unacked) {
        if (deliveryTag !== 0 && tag > deliveryTag) continue;
        picked.push(u);
        this.#unacked.delete(tag);
      }
      return picked;
    }
    const u = this.#unacked.get(deliveryTag);
    if (u === undefined) throw this.#unknown(deliveryTag);
    this.#unacked.delete(deliveryTag);
    return [u];
  }

  #settle(picked: Unacked[], how: 'ack' | 'requeue' | 'reject'): void {
    for (const u of picked) if (u.consumer !== undefined) u.consumer.unacked--;
    for (const [queue, entries] of byQueue(picked)) {
      if (how === 'requeue') queue.requeue(entries, true);
      else queue.settled(entries, how === 'reject');
    }
    // A freed slot of the channel's shared prefetch may let any of its consumers take more.
    for (const consumer of this.consumers.values()) consumer.queue.dispatch();
  }

  #unknown(tag: number): Error {
    return refuse(Code.PRECONDITION_FAILED, `unknown delivery tag ${tag}`);
  }
}

function byQueue(list: Unacked[]): Map<MemoryQueue, QueuedMessage[]> {
  const map = new Map<MemoryQueue, QueuedMessage[]>();
  for (const u of list) {
    const entries = map.get(u.queue);
    if (entries === undefined) map.set(u.queue, [u.entry]);
    else entries.push(u.entry);
  }
  return map;
}
