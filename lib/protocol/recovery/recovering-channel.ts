/**
 * A Channel that outlives its connection: the engine Channel's API, proxied to the engine channel of
 * the moment. While the connection is down it is SUSPENDED: calls wait for the recovery, publishes go
 * to the connection's bounded buffer (or are refused at once), acks of earlier deliveries throw
 * StaleDeliveryError. What the broker confirmed is recorded so that a recovery can declare it again:
 * exchanges, queues, bindings, consumers here; qos and confirm/tx mode in the core.
 */
import { withContinuation, type Continuation } from '../continuation.js';
import type {
  BasicConsumeOptions,
  BasicGetOptions,
  BasicNackOptions,
  BasicQosOptions,
  EngineChannel,
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
import type {
  RecoveringChannelCloseCallbackOf,
  RecoveringChannelHostOf,
  RecoveringDeliveryCallbackOf,
  RecoveringReturnCallbackOf,
} from './recovering-channel-core.js';
import { RecoveringChannelPublishing } from './recovering-channel-publishing.js';
import type { RecordedBinding } from './topology-record.js';

export type { RecoveringChannelState } from './recovering-channel-core.js';
/** A consumer of a recovering channel: the same function keeps receiving after every recovery. */
export type RecoveringDeliveryCallback = RecoveringDeliveryCallbackOf<RecoveringChannel>;
/** A mandatory publish the broker could not route. */
export type RecoveringReturnCallback = RecoveringReturnCallbackOf<RecoveringChannel>;
/** The channel closed for good (by us, by the broker, or because recovery gave up); undefined = by us. */
export type RecoveringChannelCloseCallback = RecoveringChannelCloseCallbackOf<RecoveringChannel>;
/** What a channel needs from its RecoveringConnection (recovery's own wiring, not for applications). */
export type RecoveringChannelHost = RecoveringChannelHostOf<RecoveringChannel>;
export type { PublishRetryOptions } from './publish-retry.js';

/** The engine's Channel API on a channel that survives connection losses; from `RecoveringConnection.channel()`. */
export class RecoveringChannel extends RecoveringChannelPublishing<RecoveringChannel> {
  /** @internal Created by RecoveringConnection.channel(). */
  constructor(host: RecoveringChannelHost, engine: EngineChannel) {
    super(host, engine);
  }

  protected get self(): RecoveringChannel {
    return this;
  }

  // ---- exchanges and queues: recorded once the broker confirmed them ----

  exchangeDeclare(
    o: ExchangeDeclareOptions,
    cb?: Continuation<ExchangeDeclareOk>,
  ): Promise<ExchangeDeclareOk> {
    return this.call(cb, async (ch) => {
      const ok = await ch.exchangeDeclare(o);
      if (o.passive !== true) {
        const { passive: _passive, ...declared } = o;
        this.host.record.recordExchange(declared);
      }
      return ok;
    });
  }

  exchangeDelete(o: ExchangeDeleteOptions, cb?: Continuation<ExchangeDeleteOk>): Promise<ExchangeDeleteOk> {
    return this.call(cb, async (ch) => {
      const ok = await ch.exchangeDelete(o);
      this.host.record.deleteExchange(o.exchange);
      return ok;
    });
  }

  exchangeBind(o: ExchangeBindOptions, cb?: Continuation<ExchangeBindOk>): Promise<ExchangeBindOk> {
    return this.call(cb, async (ch) => {
      const ok = await ch.exchangeBind(o);
      this.host.record.recordBinding(exchangeBinding(o));
      return ok;
    });
  }

  exchangeUnbind(o: ExchangeBindOptions, cb?: Continuation<ExchangeUnbindOk>): Promise<ExchangeUnbindOk> {
    return this.call(cb, async (ch) => {
      const ok = await ch.exchangeUnbind(o);
      this.host.record.removeBinding(exchangeBinding(o));
      return ok;
    });
  }

  /** Declares a queue; a server-named one ('') is declared again after a recovery and its new name mapped. */
  queueDeclare(o: QueueDeclareOptions = {}, cb?: Continuation<QueueDeclareOk>): Promise<QueueDeclareOk> {
    return this.call(cb, async (ch) => {
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
    });
  }

  queueBind(o: QueueBindOptions, cb?: Continuation<QueueBindOk>): Promise<QueueBindOk> {
    return this.call(cb, async (ch) => {
      const queue = this.host.record.resolveQueue(o.queue);
      const ok = await ch.queueBind({ ...o, queue });
      this.host.record.recordBinding(queueBinding({ ...o, queue }));
      return ok;
    });
  }

  queueUnbind(o: QueueBindOptions, cb?: Continuation<QueueUnbindOk>): Promise<QueueUnbindOk> {
    return this.call(cb, async (ch) => {
      const queue = this.host.record.resolveQueue(o.queue);
      const ok = await ch.queueUnbind({ ...o, queue });
      this.host.record.removeBinding(queueBinding({ ...o, queue }));
      return ok;
    });
  }

  queuePurge(o: QueuePurgeOptions, cb?: Continuation<QueuePurgeOk>): Promise<QueuePurgeOk> {
    return this.call(cb, (ch) => ch.queuePurge({ ...o, queue: this.host.record.resolveQueue(o.queue) }));
  }

  queueDelete(o: QueueDeleteOptions, cb?: Continuation<QueueDeleteOk>): Promise<QueueDeleteOk> {
    return this.call(cb, async (ch) => {
      const queue = this.host.record.resolveQueue(o.queue);
      const ok = await ch.queueDelete({ ...o, queue });
      this.host.record.deleteQueue(queue);
      return ok;
    });
  }

  // ---- channel modes: kept and applied again to every new engine channel ----

  basicQos(o: BasicQosOptions, cb?: Continuation<void>): Promise<void> {
    return this.call(cb, async (ch) => {
      await ch.basicQos(o);
      this.rememberQos(o);
    });
  }

  confirmDelivery(cb?: Continuation<void>): Promise<void> {
    return this.call(cb, async (ch) => {
      await ch.confirmDelivery();
      this.rememberConfirmMode();
    });
  }

  txSelect(cb?: Continuation<void>): Promise<void> {
    return this.call(cb, async (ch) => {
      await ch.txSelect();
      this.rememberTxMode();
    });
  }

  txCommit(cb?: Continuation<void>): Promise<void> {
    return this.call(cb, (ch) => ch.txCommit());
  }

  txRollback(cb?: Continuation<void>): Promise<void> {
    return this.call(cb, (ch) => ch.txRollback());
  }

  // ---- consumers and deliveries ----

  /** Starts a consumer; after a recovery it is started again with the same tag and callback. */
  basicConsume(
    queue: string,
    onMessage: RecoveringDeliveryCallback,
    o: BasicConsumeOptions = {},
    cb?: Continuation<string>,
  ): Promise<string> {
    return this.call(cb, async (ch) => {
      const resolved = this.host.record.resolveQueue(queue);
      const consumerTag = await ch.basicConsume(resolved, this.deliveryHandler(onMessage), o);
      this.host.record.recordConsumer({
        owner: this.self,
        consumerTag,
        queue: resolved,
        onMessage,
        autoAck: o.autoAck,
        exclusive: o.exclusive,
        arguments: o.arguments,
        oversize: o.oversize,
      });
      return consumerTag;
    });
  }

  /** Cancels a consumer. While suspended there is nothing on the wire: it is only forgotten. */
  basicCancel(consumerTag: string, cb?: Continuation<void>): Promise<void> {
    const cancel = async (): Promise<void> => {
      if (this.stateValue === 'OPEN') await this.engine.basicCancel(consumerTag);
      else if (this.stateValue !== 'SUSPENDED') throw this.closedError('basic.cancel');
      this.host.record.removeConsumer(this.self, consumerTag);
    };
    return withContinuation(cancel(), cb);
  }

  basicGet(
    queue: string,
    o: BasicGetOptions = {},
    cb?: Continuation<GetMessage | null>,
  ): Promise<GetMessage | null> {
    return this.call(cb, async (ch) => {
      const message = await ch.basicGet(this.host.record.resolveQueue(queue), o);
      if (message === null) return null;
      return {
        ...message,
        method: { ...message.method, deliveryTag: this.tags.toUser(message.method.deliveryTag) },
      };
    });
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
    return this.call(cb, (ch) => ch.basicRecover(requeue));
  }

  /** Closes for good (a suspended channel only forgets itself: there is nothing on the wire). */
  close(replyCode = 200, replyText = 'Normal shutdown', cb?: Continuation<void>): Promise<void> {
    const close = async (): Promise<void> => {
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
    return withContinuation(close(), cb);
  }

  /** Every async method: wait out a recovery, run on the live engine channel, CPS + promise. */
  private call<T>(cb: Continuation<T> | undefined, op: (ch: EngineChannel) => Promise<T>): Promise<T> {
    return withContinuation(this.run(op), cb);
  }
}

function exchangeBinding(o: ExchangeBindOptions): RecordedBinding<FieldTable> {
  return {
    kind: 'exchange',
    source: o.source,
    destination: o.destination,
    routingKey: o.routingKey ?? '',
    arguments: o.arguments,
  };
}

function queueBinding(o: QueueBindOptions): RecordedBinding<FieldTable> {
  return {
    kind: 'queue',
    source: o.exchange,
    destination: o.queue,
    routingKey: o.routingKey ?? '',
    arguments: o.arguments,
  };
}
