/**
 * One channel on the broker's side: the methods of the exchange, queue, basic and confirm classes,
 * the channel's close handshake either way, and what goes when the channel goes (consumers
 * cancelled, unacked messages requeued, the reply-to consumer dropped).
 */
import type { AnyMethod, BasicProperties, FieldTable } from '../../protocol/index.js';
import type { MemoryQueue } from '../broker/memory-queue.js';
import type { BrokerMessage, QueuedMessage } from '../broker/message.js';
import type { ReplyTarget, VirtualHost } from '../broker/virtual-host.js';
import { Code, NotModelledError, refuse } from '../errors.js';
import { ChannelDeliveries, type DeliveryWriter } from './channel-deliveries.js';
import { publish, REPLY_TO, type PublishingChannel } from './channel-publish.js';
import type { ChannelHost } from './channel-host.js';

export class ServerChannel implements DeliveryWriter, PublishingChannel, ReplyTarget {
  readonly deliveries: ChannelDeliveries;
  replyToken: string | undefined;
  #replyTag: string | undefined;
  #closing = false;
  #gone = false;
  #confirmSeq: number | undefined;
  #lastQueue = '';

  constructor(
    readonly connection: ChannelHost,
    readonly number: number,
    readonly vhost: VirtualHost,
  ) {
    this.deliveries = new ChannelDeliveries(this);
  }

  get open(): boolean {
    return !this.#closing && !this.#gone && this.connection.isOpen;
  }

  get cancelNotify(): boolean {
    return this.connection.cancelNotify;
  }

  nextConfirmTag(): number | undefined {
    if (this.#confirmSeq === undefined) return undefined;
    return ++this.#confirmSeq;
  }

  handle(method: AnyMethod, properties: BasicProperties | undefined, body: Buffer | undefined): void {
    if (this.#closing) {
      // After our channel.close only close-ok (or a crossing close) counts, as in the spec.
      if (method.name === 'channel.close-ok' || method.name === 'channel.close') this.#finish(method.name === 'channel.close');
      return;
    }
    const vhost = this.vhost;
    const owner = this.connection;
    const reply = (name: Parameters<ChannelHost['sendMethod']>[1], args: object, nowait = false): void => {
      if (!nowait) this.connection.sendMethod(this.number, name, args as never);
    };
    switch (method.name) {
      case 'channel.close':
        this.teardown();
        this.connection.channels.delete(this.number);
        return reply('channel.close-ok', {});
      case 'channel.flow':
        if (!method.args.active) throw new NotModelledError('channel.flow active=false');
        return reply('channel.flow-ok', { active: true });
      case 'exchange.declare': {
        const a = method.args;
        vhost.declareExchange(a.exchange, a.type, { passive: a.passive, durable: a.durable, autoDelete: a.autoDelete, internal: a.internal }, a.arguments);
        return reply('exchange.declare-ok', {}, a.nowait);
      }
      case 'exchange.delete':
        vhost.deleteExchange(method.args.exchange, method.args.ifUnused);
        return reply('exchange.delete-ok', {}, method.args.nowait);
      case 'exchange.bind':
      case 'exchange.unbind': {
        const a = method.args;
        const dest = { kind: 'exchange' as const, name: a.destination };
        if (method.name === 'exchange.bind') vhost.bind(dest, a.source, a.routingKey, a.arguments, owner);
        else vhost.unbind(dest, a.source, a.routingKey, a.arguments, owner);
        return reply(method.name === 'exchange.bind' ? 'exchange.bind-ok' : 'exchange.unbind-ok', {}, a.nowait);
      }
      case 'queue.declare': {
        const a = method.args;
        const flags = { passive: a.passive, durable: a.durable, autoDelete: a.autoDelete, exclusive: a.exclusive };
        const q = vhost.declareQueue(a.queue, flags, a.arguments, owner);
        this.#lastQueue = q.name;
        const counts = 'reply' in q ? { messageCount: 0, consumerCount: 0 } : { messageCount: q.messageCount, consumerCount: q.consumers.length };
        return reply('queue.declare-ok', { queue: q.name, ...counts }, a.nowait);
      }
      case 'queue.bind':
      case 'queue.unbind': {
        const a = method.args;
        const dest = { kind: 'queue' as const, name: this.#queueName(a.queue) };
        if (method.name === 'queue.bind') {
          vhost.bind(dest, a.exchange, a.routingKey, a.arguments, owner);
          return reply('queue.bind-ok', {}, method.args.nowait);
        }
        vhost.unbind(dest, a.exchange, a.routingKey, a.arguments, owner);
        return reply('queue.unbind-ok', {});
      }
      case 'queue.purge': {
        const q = this.#queue(method.args.queue);
        return reply('queue.purge-ok', { messageCount: q.purge() }, method.args.nowait);
      }
      case 'queue.delete': {
        const a = method.args;
        const messageCount = vhost.deleteQueue(this.#queueName(a.queue), a.ifUnused, a.ifEmpty, owner);
        return reply('queue.delete-ok', { messageCount }, a.nowait);
      }
      case 'basic.qos': {
        const a = method.args;
        if (a.prefetchSize !== 0) throw new NotModelledError('basic.qos prefetch_size');
        if (a.global) this.deliveries.channelPrefetch = a.prefetchCount;
        else this.deliveries.consumerPrefetch = a.prefetchCount;
        for (const c of this.deliveries.consumers.values()) c.queue.dispatch();
        return reply('basic.qos-ok', {});
      }
      case 'basic.consume':
        return this.#consume(method.args.queue, method.args.consumerTag, method.args.noAck, method.args.exclusive, method.args.arguments, method.args.nowait);
      case 'basic.cancel': {
        const a = method.args;
        if (a.consumerTag === this.#replyTag) this.#dropReply();
        const consumer = this.deliveries.consumers.get(a.consumerTag);
        if (consumer !== undefined) this.deliveries.consumerGone(consumer, false);
        return reply('basic.cancel-ok', { consumerTag: a.consumerTag }, a.nowait);
      }
      case 'basic.publish':
        return publish(this, method.args, properties ?? {}, body ?? Buffer.alloc(0));
      case 'basic.get': {
        const q = this.#queue(method.args.queue);
        const entry = q.get(method.args.noAck);
        if (entry === undefined) return reply('basic.get-empty', {});
        const deliveryTag = this.deliveries.take(q, entry, method.args.noAck);
        const { exchange, routingKey } = entry.message;
        const args = { deliveryTag, redelivered: entry.redelivered, exchange, routingKey, messageCount: q.messageCount };
        this.connection.sendContent(this.number, 'basic.get-ok', args, this.#deliveredProperties(entry), entry.message.body);
        return;
      }
      case 'basic.ack':
        return this.deliveries.ack(method.args.deliveryTag, method.args.multiple);
      case 'basic.nack':
        return this.deliveries.nack(method.args.deliveryTag, method.args.multiple, method.args.requeue);
      case 'basic.reject':
        return this.deliveries.nack(method.args.deliveryTag, false, method.args.requeue);
      case 'confirm.select':
        this.#confirmSeq ??= 0;
        return reply('confirm.select-ok', {}, method.args.nowait);
      default:
        throw new NotModelledError(`method ${method.name}`);
    }
  }

  /** Closes the channel from the broker's side with a channel error. */
  closeWith(code: number, text: string, classId: number, methodId: number): void {
    if (this.#closing) return;
    this.teardown();
    this.#closing = true;
    this.connection.sendMethod(this.number, 'channel.close', { replyCode: code, replyText: text.slice(0, 255), classId, methodId });
  }

  /** Cancels consumers and requeues unacked messages (channel or connection going). */
  teardown(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#dropReply();
    this.deliveries.teardown();
  }

  writeDeliver(consumerTag: string, deliveryTag: number, entry: QueuedMessage, queue: string): void {
    const { exchange, routingKey, body } = entry.message;
    const fault = this.connection.broker.faults.take('deliver', { vhost: this.vhost.name, exchange, routingKey, queue, body });
    if (fault !== undefined && fault.kind !== 'nack' && fault.kind !== 'return') {
      // The delivery is tracked as unacked already: the failure requeues it, as a real one would.
      if (fault.kind === 'drop-connection') this.connection.drop();
      else if (fault.kind === 'close-connection') this.connection.closeConnection(fault.code, fault.text ?? 'CONNECTION_FORCED - closed by the test (failure injection)');
      else this.closeWith(fault.code, fault.text ?? 'closed by the test (failure injection)', 60, 60);
      return;
    }
    const args = { consumerTag, deliveryTag, redelivered: entry.redelivered, exchange, routingKey };
    this.connection.sendContent(this.number, 'basic.deliver', args, this.#deliveredProperties(entry), entry.message.body);
  }

  writeCancel(consumerTag: string): void {
    this.connection.sendMethod(this.number, 'basic.cancel', { consumerTag, nowait: true });
  }

  autoDelete(queue: MemoryQueue): void {
    this.vhost.deleteQueue(queue.name, false, false, undefined);
  }

  deliverReply(message: BrokerMessage): void {
    if (this.#replyTag === undefined || !this.open) return;
    const args = { consumerTag: this.#replyTag, deliveryTag: this.deliveries.replyTag(), redelivered: false, exchange: message.exchange, routingKey: message.routingKey };
    this.connection.sendContent(this.number, 'basic.deliver', args, message.properties, message.body);
  }

  #consume(queueName: string, tag: string, noAck: boolean, exclusive: boolean, args: FieldTable, nowait: boolean): void {
    if (queueName === REPLY_TO) {
      if (!noAck) throw refuse(Code.PRECONDITION_FAILED, 'reply consumer cannot acknowledge');
      if (this.#replyTag !== undefined) throw refuse(Code.PRECONDITION_FAILED, 'reply consumer already set');
      this.#replyTag = tag === '' ? `amq.ctag-reply-${Math.random().toString(36).slice(2, 12)}` : tag;
      this.replyToken = `${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      this.vhost.replyTargets.set(this.replyToken, this);
      if (!nowait) this.connection.sendMethod(this.number, 'basic.consume-ok', { consumerTag: this.#replyTag });
      return;
    }
    const q = this.#queue(queueName);
    const consumer = this.deliveries.consume(q, tag, noAck, exclusive, args);
    if (!nowait) this.connection.sendMethod(this.number, 'basic.consume-ok', { consumerTag: consumer.tag });
    q.addConsumer(consumer);
  }

  #dropReply(): void {
    if (this.replyToken !== undefined) this.vhost.replyTargets.delete(this.replyToken);
    this.replyToken = undefined;
    this.#replyTag = undefined;
  }

  /** A queue's properties as delivered: quorum queues add x-delivery-count once it went back. */
  #deliveredProperties(entry: QueuedMessage): BasicProperties {
    const properties = entry.message.properties;
    if (entry.returns === 0) return properties;
    return { ...properties, headers: { ...(properties.headers ?? {}), 'x-delivery-count': entry.returns } };
  }

  /** '' means the channel's last declared queue, as in RabbitMQ. */
  #queueName(name: string): string {
    if (name !== '') return name;
    if (this.#lastQueue === '') throw refuse(Code.NOT_FOUND, `no previously declared queue`);
    return this.#lastQueue;
  }

  #queue(name: string): MemoryQueue {
    const q = this.vhost.queue(this.#queueName(name));
    this.vhost.checkAccess(q, this.connection);
    return q;
  }

  #finish(answer: boolean): void {
    if (answer) this.connection.sendMethod(this.number, 'channel.close-ok', {});
    this.connection.channels.delete(this.number);
  }
}
