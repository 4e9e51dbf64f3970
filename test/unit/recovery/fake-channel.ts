/**
 * A scripted stand-in for the engine's Channel (the engine-port shape): each call is logged on the
 * broker, publishes wait for confirms the test gives, and the test delivers, cancels and closes.
 */
import type { BasicDeliver, BasicProperties } from '../../../lib/protocol/index.js';
import {
  ChannelClosedError,
  type ConnectionClosedError,
  InvalidStateError,
  type OversizeMessageError,
} from '../../../lib/protocol/index.js';
import type { EngineChannel } from '../../../lib/protocol/recovery/index.js';
import type { FakeBroker } from './fake-broker.js';
import type { FakeConnection } from './fake-connection.js';

type Deliver = (channel: unknown, method: BasicDeliver, properties: BasicProperties, body: Buffer, oversize?: OversizeMessageError) => void;

interface PendingPublish {
  body: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class FakeChannel implements EngineChannel {
  isOpen = true;
  confirm = false;
  readonly consumers = new Map<string, Deliver>();
  /** The `oversize` option each consumer was started with. */
  readonly oversizeModes = new Map<string, string | undefined>();
  readonly published: string[] = [];
  readonly pending: PendingPublish[] = [];
  readonly acks: Array<{ tag: number; multiple: boolean }> = [];
  private nextTag = 1;
  private consumerCount = 0;
  private readonly closeCallbacks: Array<
    (c: unknown, e: ChannelClosedError | ConnectionClosedError) => void
  > = [];
  private readonly cancelCallbacks: Array<(tag: string) => void> = [];

  constructor(
    readonly connection: FakeConnection,
    readonly channelNumber: number,
  ) {}

  private get broker(): FakeBroker {
    return this.connection.broker;
  }

  private note(what: string): void {
    if (!this.isOpen) throw new InvalidStateError(`${what}: channel closed`, 'CLOSED');
    const line = `c${this.connection.id}.ch${this.channelNumber} ${what}`;
    this.broker.log.push(line);
    const hook = this.broker.after.get(line);
    if (hook !== undefined) {
      this.broker.after.delete(line);
      queueMicrotask(hook);
    }
  }

  async exchangeDeclare(o: { exchange: string }) {
    this.note(`exchange.declare ${o.exchange}`);
    return {};
  }
  async exchangeDelete(o: { exchange: string }) {
    this.note(`exchange.delete ${o.exchange}`);
    return {};
  }
  async exchangeBind(o: { source: string; destination: string }) {
    this.note(`exchange.bind ${o.source}->${o.destination}`);
    return {};
  }
  async exchangeUnbind(o: { source: string; destination: string }) {
    this.note(`exchange.unbind ${o.source}->${o.destination}`);
    return {};
  }
  async queueDeclare(o: { queue?: string; passive?: boolean }) {
    const error =
      o.passive === true && this.broker.missing.has(o.queue ?? '')
        ? new ChannelClosedError(this.channelNumber, {
            replyCode: 404,
            replyText: 'NOT_FOUND',
            initiator: 'broker',
          })
        : this.broker.failDeclare.get(o.queue ?? '')?.();
    if (error !== undefined) {
      this.end(error as ChannelClosedError);
      throw error;
    }
    const queue = o.queue === undefined || o.queue === '' ? this.broker.serverName() : o.queue;
    this.note(`queue.declare ${queue}${o.passive === true ? ' passive' : ''}`);
    this.broker.queues.add(queue);
    return { queue, messageCount: 0, consumerCount: 0 };
  }
  async queueBind(o: { queue: string; exchange: string; routingKey?: string }) {
    this.note(`queue.bind ${o.exchange}->${o.queue} ${o.routingKey ?? ''}`);
    return {};
  }
  async queueUnbind(o: { queue: string; exchange: string; routingKey?: string }) {
    this.note(`queue.unbind ${o.exchange}->${o.queue} ${o.routingKey ?? ''}`);
    return {};
  }
  async queuePurge(o: { queue: string }) {
    this.note(`queue.purge ${o.queue}`);
    return { messageCount: 0 };
  }
  async queueDelete(o: { queue: string }) {
    this.note(`queue.delete ${o.queue}`);
    this.broker.queues.delete(o.queue);
    return { messageCount: 0 };
  }
  async basicQos(o: { prefetchCount?: number; global?: boolean }) {
    this.note(`basic.qos ${o.prefetchCount ?? 0}${o.global === true ? ' global' : ''}`);
  }
  async basicConsume(queue: string, onMessage: Deliver, o: { consumerTag?: string; oversize?: string } = {}) {
    this.consumerCount += 1;
    const tag =
      o.consumerTag !== undefined && o.consumerTag !== ''
        ? o.consumerTag
        : `ctag-${this.connection.id}.${this.consumerCount}`;
    this.note(`basic.consume ${queue} ${tag}`);
    this.consumers.set(tag, onMessage);
    this.oversizeModes.set(tag, o.oversize);
    return tag;
  }
  async basicCancel(consumerTag: string) {
    this.note(`basic.cancel ${consumerTag}`);
    this.consumers.delete(consumerTag);
  }
  basicPublish(exchange: string, routingKey: string, body: Buffer | string): Promise<void> {
    this.note(`basic.publish ${exchange}/${routingKey} ${body.toString()}`);
    this.published.push(body.toString());
    this.connection.wrote();
    if (!this.confirm) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.push({ body: body.toString(), resolve, reject }));
  }
  async basicGet() {
    this.note('basic.get');
    const deliveryTag = this.nextTag++;
    return {
      method: { deliveryTag, redelivered: false, exchange: '', routingKey: 'q', messageCount: 0 },
      properties: {},
      body: Buffer.from('got'),
    };
  }
  basicAck(tag: number, multiple = false): void {
    this.note(`basic.ack ${tag}${multiple ? ' multiple' : ''}`);
    this.acks.push({ tag, multiple });
  }
  basicNack(tag: number): void {
    this.note(`basic.nack ${tag}`);
  }
  basicReject(tag: number): void {
    this.note(`basic.reject ${tag}`);
  }
  async basicRecover() {
    this.note('basic.recover');
  }
  async confirmDelivery() {
    this.note('confirm.select');
    this.confirm = true;
  }
  async txSelect() {
    this.note('tx.select');
  }
  async txCommit() {
    this.note('tx.commit');
  }
  async txRollback() {
    this.note('tx.rollback');
  }
  addOnReturnCallback(): void {}
  addOnCancelCallback(cb: (tag: string) => void): void {
    this.cancelCallbacks.push(cb);
  }
  addOnCloseCallback(cb: (c: unknown, e: ChannelClosedError | ConnectionClosedError) => void): void {
    this.closeCallbacks.push(cb);
  }
  async close() {
    this.note('close');
    this.end(
      new ChannelClosedError(this.channelNumber, {
        replyCode: 200,
        replyText: 'Normal shutdown',
        initiator: 'client',
      }),
    );
  }

  /** The broker delivers a message to consumer `tag`; returns the engine delivery tag. */
  /** An oversize delivery to a consumer started with `oversize: 'deliver'`: empty body, the error. */
  deliverOversize(consumerTag: string, error: OversizeMessageError): number {
    const deliveryTag = this.nextTag++;
    this.consumers.get(consumerTag)?.(this, { consumerTag, deliveryTag, redelivered: false, exchange: '', routingKey: 'q' }, {}, Buffer.alloc(0), error);
    return deliveryTag;
  }

  deliver(consumerTag: string, body: string, redelivered = false): number {
    const deliveryTag = this.nextTag++;
    const callback = this.consumers.get(consumerTag);
    if (callback === undefined)
      throw new Error(`no consumer ${consumerTag} on c${this.connection.id}.ch${this.channelNumber}`);
    callback(
      this,
      { consumerTag, deliveryTag, redelivered, exchange: '', routingKey: 'q' },
      {},
      Buffer.from(body),
    );
    return deliveryTag;
  }

  /** Confirms every pending publish. */
  ackAll(): void {
    for (const entry of this.pending.splice(0)) entry.resolve();
  }

  /** The broker cancels a consumer (its queue was deleted). */
  cancel(consumerTag: string): void {
    this.consumers.delete(consumerTag);
    for (const cb of this.cancelCallbacks) cb(consumerTag);
  }

  /** The channel reaches CLOSED with `error`: pending publishes reject, as the engine does. */
  end(error: ChannelClosedError | ConnectionClosedError): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const entry of this.pending.splice(0)) entry.reject(error);
    for (const cb of this.closeCallbacks) cb(this, error);
  }
}
