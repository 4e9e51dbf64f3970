/**
 * A Channel that outlives its connection. It proxies the engine channel of the moment; when the
 * connection dies it is SUSPENDED (calls wait, publishes go to the connection's buffer or are refused),
 * and the RecoveringConnection gives it a fresh engine channel with the same qos and confirm/tx mode
 * and the same consumers.
 *
 * Delivery tags restart at 1 on every engine channel, so the tags handed to users are shifted by an
 * offset that grows across generations: a tag at or below the current offset belongs to a dead channel
 * and its ack/nack/reject throws StaleDeliveryError instead of acking some other message.
 */
import { withContinuation, type Continuation } from '../continuation.js';
import {
  AMQPError,
  AuthenticationError,
  ChannelClosedError,
  ConnectionClosedError,
  InvalidStateError,
  RecoveryFailedError,
  StaleDeliveryError,
} from '../errors.js';
import type {
  BasicConsumeOptions,
  BasicDeliver,
  BasicGetOptions,
  BasicNackOptions,
  BasicProperties,
  BasicPublishOptions,
  BasicQosOptions,
  BasicReturn,
  EngineChannel,
  EngineConnection,
  ExchangeBindOk,
  ExchangeBindOptions,
  ExchangeDeclareOk,
  ExchangeDeclareOptions,
  ExchangeDeleteOk,
  ExchangeDeleteOptions,
  ExchangeUnbindOk,
  FieldTable,
  GetMessage,
  QueueBindOk,
  QueueBindOptions,
  QueueDeclareOk,
  QueueDeclareOptions,
  QueueDeleteOk,
  QueueDeleteOptions,
  QueuePurgeOk,
  QueuePurgeOptions,
  QueueUnbindOk,
} from './engine-port.js';
import type { RecordedConsumer, TopologyRecord } from './topology-record.js';

/** A consumer of a recovering channel: the same function keeps receiving after every recovery. */
export type RecoveringDeliveryCallback = (
  channel: RecoveringChannel,
  method: BasicDeliver,
  properties: BasicProperties,
  body: Buffer,
) => void;
export type RecoveringReturnCallback = (
  channel: RecoveringChannel,
  method: BasicReturn,
  properties: BasicProperties,
  body: Buffer,
) => void;
/** The channel closed for good (by us, by the broker, or because recovery gave up). */
export type RecoveringChannelCloseCallback = (
  channel: RecoveringChannel,
  error: AMQPError | undefined,
) => void;

export type RecoveringChannelState = 'OPEN' | 'SUSPENDED' | 'CLOSING' | 'CLOSED';

/** How publishWithRetry retries. */
export interface PublishRetryOptions {
  /** Re-sends after a loss before giving up with the last error. @default Infinity */
  maxRetries?: number;
  /** Told before each re-send (for logs and metrics). */
  onRetry?: (error: unknown, retry: number) => void;
}

/** @internal A publish held while the connection is down. */
export interface BufferedPublish {
  readonly channel: RecoveringChannel;
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer | string;
  readonly properties: BasicProperties | undefined;
  readonly options: BasicPublishOptions | undefined;
  readonly bytes: number;
  /** Set when the entry is written, so a retry knows which channel generation lost it. */
  sentGeneration: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** @internal What a channel needs from its RecoveringConnection. */
export interface RecoveringChannelHost {
  readonly record: TopologyRecord<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>;
  /** true while the connection is down, recovering, or flushing its buffer. */
  holdsPublishes(): boolean;
  /** Is the engine connection under the channel usable? */
  engineOpen(): boolean;
  /** Buffers a publish (or throws PublishBufferFullError). */
  hold(entry: BufferedPublish): void;
  /** The channel closed for good. */
  forget(channel: RecoveringChannel): void;
  reportCallbackError(error: unknown, where: string): void;
}

interface Waiter {
  afterGeneration: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class RecoveringChannel {
  private engine: EngineChannel;
  private stateValue: RecoveringChannelState = 'OPEN';
  private generationValue = 1;
  /** Added to engine delivery tags; tags at or below it belong to dead channels. */
  private tagOffset = 0;
  private highestTag = 0;
  private readonly qos = new Map<boolean, BasicQosOptions>();
  private confirmMode = false;
  private txMode = false;
  private readonly returnCallbacks: RecoveringReturnCallback[] = [];
  private readonly cancelCallbacks: Array<(consumerTag: string) => void> = [];
  private readonly closeCallbacks: RecoveringChannelCloseCallback[] = [];
  private waiters: Waiter[] = [];
  private finalError: AMQPError | undefined;

  /** @internal Created by RecoveringConnection.channel(). */
  constructor(
    private readonly host: RecoveringChannelHost,
    engine: EngineChannel,
  ) {
    this.engine = engine;
    this.wire(engine);
  }

  /** The engine channel's number (it may change after a recovery). */
  get channelNumber(): number {
    return this.engine.channelNumber;
  }

  get state(): RecoveringChannelState {
    return this.stateValue;
  }

  get isOpen(): boolean {
    return this.stateValue === 'OPEN' && this.engine.isOpen;
  }

  /** 1 for the first engine channel, +1 after each recovery. */
  get generation(): number {
    return this.generationValue;
  }

  /** The engine channel of the moment (it changes after every recovery). */
  unwrap(): EngineChannel {
    return this.engine;
  }

  /** True when a delivery tag came from a channel that has since been lost (acking it would throw). */
  isStale(deliveryTag: number): boolean {
    return this.stateValue === 'SUSPENDED' || (deliveryTag !== 0 && deliveryTag <= this.tagOffset);
  }

  // ---- exchanges and queues: recorded once the broker confirmed them ----

  exchangeDeclare(
    o: ExchangeDeclareOptions,
    cb?: Continuation<ExchangeDeclareOk>,
  ): Promise<ExchangeDeclareOk> {
    return withContinuation(
      this.run(async (ch) => {
        const ok = await ch.exchangeDeclare(o);
        if (o.passive !== true) {
          const { passive: _passive, ...declared } = o;
          this.host.record.recordExchange(declared);
        }
        return ok;
      }),
      cb,
    );
  }

  exchangeDelete(o: ExchangeDeleteOptions, cb?: Continuation<ExchangeDeleteOk>): Promise<ExchangeDeleteOk> {
    return withContinuation(
      this.run(async (ch) => {
        const ok = await ch.exchangeDelete(o);
        this.host.record.deleteExchange(o.exchange);
        return ok;
      }),
      cb,
    );
  }

  exchangeBind(o: ExchangeBindOptions, cb?: Continuation<ExchangeBindOk>): Promise<ExchangeBindOk> {
    return withContinuation(
      this.run(async (ch) => {
        const ok = await ch.exchangeBind(o);
        this.host.record.recordBinding(exchangeBinding(o));
        return ok;
      }),
      cb,
    );
  }

  exchangeUnbind(o: ExchangeBindOptions, cb?: Continuation<ExchangeUnbindOk>): Promise<ExchangeUnbindOk> {
    return withContinuation(
      this.run(async (ch) => {
        const ok = await ch.exchangeUnbind(o);
        this.host.record.removeBinding(exchangeBinding(o));
        return ok;
      }),
      cb,
    );
  }

  /** Declares a queue; a server-named one ('' ) is re-declared after recovery and its new name mapped. */
  queueDeclare(o: QueueDeclareOptions = {}, cb?: Continuation<QueueDeclareOk>): Promise<QueueDeclareOk> {
    return withContinuation(
      this.run(async (ch) => {
        const requested = this.host.record.resolveQueue(o.queue ?? '');
        const ok = await ch.queueDeclare({ ...o, queue: requested });
        if (o.passive !== true) {
          const { durable, exclusive, autoDelete } = o;
          this.host.record.recordQueue(requested, ok.queue, {
            durable,
            exclusive,
            autoDelete,
            arguments: o.arguments,
          });
        }
        return ok;
      }),
      cb,
    );
  }

  queueBind(o: QueueBindOptions, cb?: Continuation<QueueBindOk>): Promise<QueueBindOk> {
    return withContinuation(
      this.run(async (ch) => {
        const queue = this.host.record.resolveQueue(o.queue);
        const ok = await ch.queueBind({ ...o, queue });
        this.host.record.recordBinding(queueBinding({ ...o, queue }));
        return ok;
      }),
      cb,
    );
  }

  queueUnbind(o: QueueBindOptions, cb?: Continuation<QueueUnbindOk>): Promise<QueueUnbindOk> {
    return withContinuation(
      this.run(async (ch) => {
        const queue = this.host.record.resolveQueue(o.queue);
        const ok = await ch.queueUnbind({ ...o, queue });
        this.host.record.removeBinding(queueBinding({ ...o, queue }));
        return ok;
      }),
      cb,
    );
  }

  queuePurge(o: QueuePurgeOptions, cb?: Continuation<QueuePurgeOk>): Promise<QueuePurgeOk> {
    return withContinuation(
      this.run((ch) => ch.queuePurge({ ...o, queue: this.host.record.resolveQueue(o.queue) })),
      cb,
    );
  }

  queueDelete(o: QueueDeleteOptions, cb?: Continuation<QueueDeleteOk>): Promise<QueueDeleteOk> {
    return withContinuation(
      this.run(async (ch) => {
        const queue = this.host.record.resolveQueue(o.queue);
        const ok = await ch.queueDelete({ ...o, queue });
        this.host.record.deleteQueue(queue);
        return ok;
      }),
      cb,
    );
  }

  // ---- channel modes: kept and applied again to every new engine channel ----

  basicQos(o: BasicQosOptions, cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run(async (ch) => {
        await ch.basicQos(o);
        this.qos.set(o.global === true, { ...o });
      }),
      cb,
    );
  }

  confirmDelivery(cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run(async (ch) => {
        await ch.confirmDelivery();
        this.confirmMode = true;
      }),
      cb,
    );
  }

  txSelect(cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run(async (ch) => {
        await ch.txSelect();
        this.txMode = true;
      }),
      cb,
    );
  }

  txCommit(cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run((ch) => ch.txCommit()),
      cb,
    );
  }

  txRollback(cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run((ch) => ch.txRollback()),
      cb,
    );
  }

  // ---- consumers ----

  /** Starts a consumer; after a recovery it is started again with the same tag and callback. */
  basicConsume(
    queue: string,
    onMessage: RecoveringDeliveryCallback,
    o: BasicConsumeOptions = {},
    cb?: Continuation<string>,
  ): Promise<string> {
    return withContinuation(
      this.run(async (ch) => {
        const resolved = this.host.record.resolveQueue(queue);
        const consumerTag = await ch.basicConsume(resolved, this.deliveryHandler(onMessage), o);
        this.host.record.recordConsumer({
          owner: this,
          consumerTag,
          queue: resolved,
          onMessage,
          autoAck: o.autoAck,
          exclusive: o.exclusive,
          arguments: o.arguments,
        });
        return consumerTag;
      }),
      cb,
    );
  }

  /** Cancels a consumer. While suspended there is nothing on the wire: it is only forgotten. */
  basicCancel(consumerTag: string, cb?: Continuation<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.stateValue === 'OPEN') await this.engine.basicCancel(consumerTag);
      else if (this.stateValue !== 'SUSPENDED') throw this.closedError('basic.cancel');
      this.host.record.removeConsumer(this, consumerTag);
    };
    return withContinuation(run(), cb);
  }

  basicGet(
    queue: string,
    o: BasicGetOptions = {},
    cb?: Continuation<GetMessage | null>,
  ): Promise<GetMessage | null> {
    return withContinuation(
      this.run(async (ch) => {
        const message = await ch.basicGet(this.host.record.resolveQueue(queue), o);
        if (message === null) return null;
        return {
          ...message,
          method: { ...message.method, deliveryTag: this.userTag(message.method.deliveryTag) },
        };
      }),
      cb,
    );
  }

  /** Acks a delivery of this channel. Throws StaleDeliveryError for one of a channel that was lost. */
  basicAck(deliveryTag: number, multiple = false): void {
    this.engine.basicAck(this.engineTag(deliveryTag, 'basic.ack'), multiple);
  }

  basicNack(deliveryTag: number, o: BasicNackOptions = {}): void {
    this.engine.basicNack(this.engineTag(deliveryTag, 'basic.nack'), o);
  }

  basicReject(deliveryTag: number, requeue = true): void {
    this.engine.basicReject(this.engineTag(deliveryTag, 'basic.reject'), requeue);
  }

  basicRecover(requeue = false, cb?: Continuation<void>): Promise<void> {
    return withContinuation(
      this.run((ch) => ch.basicRecover(requeue)),
      cb,
    );
  }

  // ---- publishing ----

  /**
   * Publishes. While the connection is down the message goes to the connection's publish buffer (sent
   * in order after recovery) or, over its bound or with buffering off, rejects at once with
   * PublishBufferFullError. A publish on the wire when the connection dies rejects (never hangs).
   */
  basicPublish(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    o?: BasicPublishOptions,
  ): Promise<void> {
    return this.publishTracked(exchange, routingKey, body, properties, o, { generation: 0 });
  }

  /**
   * Publishes and, when the connection is lost before the publish settled, sends it again on the
   * recovered channel until it settles: with confirms on, a resolved promise means the broker took it
   * at least once. Errors that a retry cannot fix (nack, unroutable exchange, buffer full, recovery
   * given up) reject at once. A call made while the connection is already down follows the publish
   * buffer's rules like basicPublish (held, or refused at once with buffering off), so the memory held
   * for an outage stays bounded; a duplicate is possible when the broker took the message but its
   * confirm was lost with the connection.
   */
  async publishWithRetry(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    o?: BasicPublishOptions,
    retry: PublishRetryOptions = {},
  ): Promise<void> {
    const maxRetries = retry.maxRetries ?? Number.POSITIVE_INFINITY;
    for (let retries = 0; ; retries += 1) {
      const sent = { generation: 0 };
      try {
        await this.publishTracked(exchange, routingKey, body, properties, o, sent);
        return;
      } catch (error) {
        if (retries >= maxRetries || !isLossError(error)) throw error;
        retry.onRetry?.(error, retries + 1);
        // Wait for a channel newer than the one that lost it; a final close rejects instead.
        await this.untilGenerationAfter(sent.generation === 0 ? this.generationValue : sent.generation);
      }
    }
  }

  // ---- callbacks ----

  addOnReturnCallback(cb: RecoveringReturnCallback): void {
    this.returnCallbacks.push(cb);
  }

  /** The broker cancelled a consumer (queue deleted ...): it is forgotten and not recovered. */
  addOnCancelCallback(cb: (consumerTag: string) => void): void {
    this.cancelCallbacks.push(cb);
  }

  /** Called once, when the channel closes for good (not when it is suspended for a recovery). */
  addOnCloseCallback(cb: RecoveringChannelCloseCallback): void {
    this.closeCallbacks.push(cb);
  }

  close(replyCode = 200, replyText = 'Normal shutdown', cb?: Continuation<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.stateValue === 'CLOSED') return;
      if (this.stateValue === 'SUSPENDED') {
        this.finalize(undefined);
        return;
      }
      this.stateValue = 'CLOSING';
      try {
        await this.engine.close(replyCode, replyText);
      } finally {
        this.finalize(undefined);
      }
    };
    return withContinuation(run(), cb);
  }

  // ---- driven by the RecoveringConnection ----

  /** @internal The connection died: calls wait, publishes are held, acks of earlier deliveries are stale. */
  suspend(): void {
    if (this.stateValue !== 'OPEN') return;
    this.stateValue = 'SUSPENDED';
  }

  /** @internal Opens a fresh engine channel on `connection` with this channel's qos and modes. */
  async reopen(connection: EngineConnection): Promise<void> {
    const ch = await connection.channel();
    this.engine = ch;
    this.tagOffset = this.highestTag;
    this.generationValue += 1;
    this.wire(ch);
    for (const qos of this.qos.values()) await ch.basicQos(qos);
    if (this.confirmMode) await ch.confirmDelivery();
    if (this.txMode) await ch.txSelect();
  }

  /** @internal Starts a recorded consumer again on the new engine channel, with its old tag. */
  async restoreConsumer(
    consumer: RecordedConsumer<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>,
  ): Promise<void> {
    await this.engine.basicConsume(consumer.queue, this.deliveryHandler(consumer.onMessage), {
      consumerTag: consumer.consumerTag,
      autoAck: consumer.autoAck,
      exclusive: consumer.exclusive,
      arguments: consumer.arguments,
    });
  }

  /** @internal Writes a publish that was held during the outage. */
  sendHeld(entry: BufferedPublish): void {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
      entry.reject(this.closedError('basic.publish'));
      return;
    }
    entry.sentGeneration = this.generationValue;
    this.sendNow(entry.exchange, entry.routingKey, entry.body, entry.properties, entry.options).then(
      () => entry.resolve(),
      (error: unknown) => entry.reject(error),
    );
  }

  /** @internal Recovery is complete: calls go through again. */
  resume(): void {
    if (this.stateValue !== 'SUSPENDED') return;
    this.stateValue = 'OPEN';
    const ready = this.waiters.filter((w) => this.generationValue > w.afterGeneration);
    this.waiters = this.waiters.filter((w) => this.generationValue <= w.afterGeneration);
    for (const waiter of ready) waiter.resolve();
  }

  /** @internal Closed for good: waiters rejected, consumers forgotten, close callbacks told once. */
  finalize(error: AMQPError | undefined): void {
    if (this.stateValue === 'CLOSED') return;
    this.stateValue = 'CLOSED';
    this.finalError = error;
    this.host.forget(this);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(this.closedError('wait for recovery'));
    for (const cb of this.closeCallbacks) {
      try {
        cb(this, error);
      } catch (callbackError) {
        this.host.reportCallbackError(callbackError, 'channel close callback');
      }
    }
  }

  // ---- internals ----

  private publishTracked(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties: BasicProperties | undefined,
    o: BasicPublishOptions | undefined,
    sent: { generation: number },
  ): Promise<void> {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') {
      return Promise.reject(this.closedError('basic.publish'));
    }
    const target = exchange === '' ? this.host.record.resolveQueue(routingKey) : routingKey;
    if (this.stateValue === 'OPEN' && !this.host.holdsPublishes()) {
      sent.generation = this.generationValue;
      return this.sendNow(exchange, target, body, properties, o);
    }
    return new Promise<void>((resolve, reject) => {
      const entry: BufferedPublish = {
        channel: this,
        exchange,
        routingKey: target,
        body,
        properties,
        options: o,
        bytes: typeof body === 'string' ? Buffer.byteLength(body) : body.length,
        sentGeneration: 0,
        resolve,
        reject: (error) => {
          sent.generation = entry.sentGeneration;
          reject(error);
        },
      };
      this.host.hold(entry);
    });
  }

  /** The engine throws synchronously for bad state or arguments: turn that into a rejection. */
  private sendNow(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties: BasicProperties | undefined,
    o: BasicPublishOptions | undefined,
  ): Promise<void> {
    try {
      return this.engine.basicPublish(exchange, routingKey, body, properties, o);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `op` on the live engine channel, first waiting out a recovery. */
  private async run<T>(op: (ch: EngineChannel) => Promise<T>): Promise<T> {
    if (this.stateValue === 'SUSPENDED') await this.untilGenerationAfter(this.generationValue - 1);
    if (this.stateValue !== 'OPEN') throw this.closedError('operation');
    return op(this.engine);
  }

  /** Resolves once the channel is OPEN on a generation newer than `generation`; rejects if it closes for good. */
  private untilGenerationAfter(generation: number): Promise<void> {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING')
      return Promise.reject(this.closedError('wait for recovery'));
    if (this.stateValue === 'OPEN' && this.generationValue > generation) return Promise.resolve();
    return new Promise((resolve, reject) =>
      this.waiters.push({ afterGeneration: generation, resolve, reject }),
    );
  }

  private deliveryHandler(
    onMessage: RecoveringDeliveryCallback,
  ): (channel: unknown, method: BasicDeliver, properties: BasicProperties, body: Buffer) => void {
    const owner = this.engine;
    return (_channel, method, properties, body) => {
      // Only the live engine channel delivers; anything else is late news from a dead one.
      if (owner !== this.engine) return;
      onMessage(this, { ...method, deliveryTag: this.userTag(method.deliveryTag) }, properties, body);
    };
  }

  private userTag(engineTag: number): number {
    const tag = engineTag + this.tagOffset;
    if (tag > this.highestTag) this.highestTag = tag;
    return tag;
  }

  private engineTag(deliveryTag: number, method: string): number {
    if (this.stateValue === 'CLOSED' || this.stateValue === 'CLOSING') throw this.closedError(method);
    if (this.stateValue === 'SUSPENDED')
      throw new StaleDeliveryError(deliveryTag, 'the connection is down; the broker requeues it');
    // Tag 0 with multiple means "everything outstanding" on the live channel.
    if (deliveryTag === 0) return 0;
    if (deliveryTag <= this.tagOffset) {
      throw new StaleDeliveryError(
        deliveryTag,
        `it came before recovery (this channel's tags start after ${this.tagOffset}); the broker redelivers it`,
      );
    }
    return deliveryTag - this.tagOffset;
  }

  private wire(ch: EngineChannel): void {
    ch.addOnCloseCallback((_channel: unknown, error: ChannelClosedError | ConnectionClosedError) =>
      this.onEngineClose(ch, error),
    );
    ch.addOnReturnCallback(
      (_channel: unknown, method: BasicReturn, properties: BasicProperties, body: Buffer) => {
        for (const cb of this.returnCallbacks) cb(this, method, properties, body);
      },
    );
    ch.addOnCancelCallback((consumerTag: string) => {
      if (ch !== this.engine) return;
      this.host.record.removeConsumer(this, consumerTag);
      for (const cb of this.cancelCallbacks) cb(consumerTag);
    });
  }

  private onEngineClose(ch: EngineChannel, error: ChannelClosedError | ConnectionClosedError): void {
    if (ch !== this.engine || this.stateValue === 'CLOSED') return;
    if (this.stateValue === 'CLOSING') {
      this.finalize(undefined);
      return;
    }
    // A connection loss suspends the channel; the connection decides between recovery and the end.
    if (error instanceof ConnectionClosedError || !this.host.engineOpen()) {
      this.suspend();
      return;
    }
    // A channel error (404, 406 ...) on a live connection is final, as for an engine channel.
    this.finalize(error);
  }

  private closedError(operation: string): AMQPError {
    if (this.finalError !== undefined) return this.finalError;
    return new InvalidStateError(`${operation}: the channel is closed`, this.stateValue);
  }
}

/**
 * A publish failure that a newer channel generation can fix: the connection (or the engine channel
 * under it) went away. A channel error that closes this channel for good also lands here, but then
 * the wait for the next generation rejects with that error, so it is never retried.
 */
function isLossError(error: unknown): boolean {
  if (error instanceof AuthenticationError || error instanceof RecoveryFailedError) return false;
  if (error instanceof ConnectionClosedError || error instanceof ChannelClosedError) return true;
  // The engine refuses a publish on an engine channel its dead connection already closed.
  return error instanceof InvalidStateError && !(error instanceof StaleDeliveryError);
}

function exchangeBinding(o: ExchangeBindOptions) {
  return {
    kind: 'exchange' as const,
    source: o.source,
    destination: o.destination,
    routingKey: o.routingKey ?? '',
    arguments: o.arguments,
  };
}

function queueBinding(o: QueueBindOptions) {
  return {
    kind: 'queue' as const,
    source: o.exchange,
    destination: o.queue,
    routingKey: o.routingKey ?? '',
    arguments: o.arguments,
  };
}
