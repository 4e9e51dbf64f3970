/**
 * A scripted stand-in for the engine's Connection and Channel (the engine-port shapes), so the
 * recovery wrappers can be driven through losses, refusals and restores without a socket.
 * Every call is logged as "c<connection>.ch<channel> method arg" for order assertions.
 */
import type { BasicDeliver, BasicProperties } from '../../../lib/protocol/index.js';
import {
  AMQPError,
  ConnectionParameters,
  ChannelClosedError,
  ConnectionClosedError,
  InvalidStateError,
  type OversizeMessageError,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection, type EngineChannel, type EngineConnection, type RecoveryOptions } from '../../../lib/protocol/recovery/index.js';

type Deliver = (channel: unknown, method: BasicDeliver, properties: BasicProperties, body: Buffer, oversize?: OversizeMessageError) => void;

export class FakeBroker {
  readonly log: string[] = [];
  readonly connections: FakeConnection[] = [];
  /** Hosts (host:port) connect was called with, in order. */
  readonly dialed: string[] = [];
  /** Outcomes for the next connects: an error to throw, or 'ok'. Empty = 'ok'. */
  readonly script: Array<AMQPError | 'ok'> = [];
  private serverNames = 0;
  /** Queue names that exist, with their message count (for passive declares). */
  readonly queues = new Set<string>();
  /** Run once right after the call logged as this line (e.g. kill a connection mid-restore). */
  readonly after = new Map<string, () => void>();
  /** Declares that fail: name -> error factory (undefined = this one succeeds). */
  readonly failDeclare = new Map<string, () => AMQPError | undefined>();
  /** Queues a passive declare does not find (404). */
  readonly missing = new Set<string>();

  readonly connector = async (hosts: readonly ConnectionParameters[]): Promise<EngineConnection> => {
    const host = hosts[0];
    this.dialed.push(`${host?.host}:${host?.port}`);
    const outcome = this.script.shift() ?? 'ok';
    if (outcome !== 'ok') throw outcome;
    const connection = new FakeConnection(this, this.connections.length + 1);
    this.connections.push(connection);
    return connection;
  };

  get current(): FakeConnection {
    const last = this.connections[this.connections.length - 1];
    if (last === undefined) throw new Error('no connection yet');
    return last;
  }

  serverName(): string {
    this.serverNames += 1;
    return `amq.gen-${this.serverNames}`;
  }
}

export class FakeConnection implements EngineConnection {
  isOpen = true;
  isBlocked = false;
  /** Under the socket's high-water mark: set false to make the gate hold publishes, then call drain(). */
  writable = true;
  /** Publishes the socket takes before it goes over its mark (undefined = no limit). */
  room: number | undefined;
  readonly serverProperties = {};
  readonly channelMax = 2047;
  readonly frameMax = 131072;
  readonly heartbeat = 60;
  readonly channels: FakeChannel[] = [];
  private readonly closeCallbacks: Array<(c: unknown, e: AMQPError | undefined) => void> = [];
  private readonly blockedCallbacks: Array<(c: unknown, reason: string) => void> = [];
  private readonly drainListeners: Array<() => void> = [];

  constructor(
    readonly broker: FakeBroker,
    readonly id: number,
  ) {}

  async channel(): Promise<EngineChannel> {
    if (!this.isOpen)
      throw new InvalidStateError('cannot open a channel: the connection is not open', 'CLOSED');
    const channel = new FakeChannel(this, this.channels.length + 1);
    this.channels.push(channel);
    this.broker.log.push(`c${this.id}.ch${channel.channelNumber} open`);
    return channel;
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.broker.log.push(`c${this.id} close`);
    this.die(
      undefined,
      new ConnectionClosedError({ replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' }),
    );
  }

  async updateSecret(): Promise<void> {}

  addOnCloseCallback(cb: (c: unknown, e: AMQPError | undefined) => void): void {
    this.closeCallbacks.push(cb);
  }

  addOnConnectionBlockedCallback(cb: (c: unknown, reason: string) => void): void {
    this.blockedCallbacks.push(cb);
  }

  addOnConnectionUnblockedCallback(): void {}

  get isWritable(): boolean {
    return this.isOpen && this.writable;
  }

  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: 'error' | 'drain', listener: (() => void) | ((error: Error) => void)): this {
    if (event === 'drain') this.drainListeners.push(listener as () => void);
    return this;
  }

  /** A publish went to the socket: it may go over its mark. */
  wrote(): void {
    if (this.room === undefined) return;
    this.room -= 1;
    if (this.room <= 0) this.writable = false;
  }

  /** The socket went back under its high-water mark, with room for `room` more publishes. */
  drain(room?: number): void {
    this.room = room;
    this.writable = room === undefined || room > 0;
    for (const listener of this.drainListeners) listener();
  }

  /** The broker or the network ends the connection with `error` (what the engine reports). */
  kill(
    error: AMQPError = new ConnectionClosedError({
      replyCode: 320,
      replyText: 'CONNECTION_FORCED',
      initiator: 'broker',
    }),
  ): void {
    this.die(error, error as ConnectionClosedError);
  }

  block(reason: string): void {
    for (const cb of this.blockedCallbacks) cb(this, reason);
  }

  private die(reported: AMQPError | undefined, channelError: ConnectionClosedError): void {
    this.isOpen = false;
    // As the engine does: channels first, then the connection's callbacks.
    for (const channel of this.channels) channel.end(channelError);
    for (const cb of this.closeCallbacks) cb(this, reported);
  }
}

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

/** Lets queued promise continuations and timers of 0 ms run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A RecoveringConnection over `broker` at node-a, retrying after 1 ms unless `recovery` says
 * otherwise. `slow`: the backoff draws its ceiling (random 0 would make every delay 0).
 */
export function openOver(broker: FakeBroker, recovery: RecoveryOptions = {}, slow = false): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(new ConnectionParameters({ host: 'node-a', port: 5672 }), {
    connector: broker.connector,
    random: () => (slow ? 0.99 : 0),
    recovery: { initialDelayMs: 1, ...recovery },
  });
}

/** Polls until `condition` holds (recovery runs on timers and promise chains). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}
