/**
 * The part of the engine that recovery stands on: the public Connection and Channel API, reduced to
 * what the wrappers call. The real Connection and Channel satisfy these shapes; unit tests drive the
 * wrappers with scripted fakes of the same shapes.
 */
import type {
  BasicDeliver,
  BasicProperties,
  BasicReturn,
  ExchangeBindOk,
  ExchangeDeclareOk,
  ExchangeDeleteOk,
  ExchangeUnbindOk,
  FieldTable,
  QueueBindOk,
  QueueDeclareOk,
  QueueDeleteOk,
  QueuePurgeOk,
  QueueUnbindOk,
} from '../codec/index.js';
import type {
  BasicConsumeOptions,
  BasicGetOptions,
  BasicNackOptions,
  BasicPublishOptions,
  BasicQosOptions,
  ExchangeBindOptions,
  ExchangeDeclareOptions,
  ExchangeDeleteOptions,
  GetMessage,
  QueueBindOptions,
  QueueDeclareOptions,
  QueueDeleteOptions,
  QueuePurgeOptions,
} from '../channel/channel-options.js';
import type { AMQPError, ChannelClosedError, ConnectionClosedError, OversizeMessageError } from '../errors.js';
import type { ConnectionParameters } from '../parameters/connection-parameters.js';

export type {
  BasicConsumeOptions,
  BasicDeliver,
  BasicGetOptions,
  BasicNackOptions,
  BasicProperties,
  BasicPublishOptions,
  BasicQosOptions,
  BasicReturn,
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
};

/**
 * A callback the engine calls with its own Channel/Connection first. Declared method-style so the
 * engine's callback types (first parameter its concrete class) fit this port (parameters bivariant).
 */
export type EngineCallback<A extends unknown[]> = { bivarianceHack(...args: A): void }['bivarianceHack'];

/** The engine's channel as recovery uses it. */
export interface EngineChannel {
  readonly channelNumber: number;
  readonly isOpen: boolean;
  exchangeDeclare(options: ExchangeDeclareOptions): Promise<ExchangeDeclareOk>;
  exchangeDelete(options: ExchangeDeleteOptions): Promise<ExchangeDeleteOk>;
  exchangeBind(options: ExchangeBindOptions): Promise<ExchangeBindOk>;
  exchangeUnbind(options: ExchangeBindOptions): Promise<ExchangeUnbindOk>;
  queueDeclare(options: QueueDeclareOptions): Promise<QueueDeclareOk>;
  queueBind(options: QueueBindOptions): Promise<QueueBindOk>;
  queueUnbind(options: QueueBindOptions): Promise<QueueUnbindOk>;
  queuePurge(options: QueuePurgeOptions): Promise<QueuePurgeOk>;
  queueDelete(options: QueueDeleteOptions): Promise<QueueDeleteOk>;
  basicQos(options: BasicQosOptions): Promise<void>;
  basicConsume(
    queue: string,
    onMessage: EngineCallback<
      [channel: unknown, method: BasicDeliver, properties: BasicProperties, body: Buffer, oversize?: OversizeMessageError]
    >,
    options?: BasicConsumeOptions,
  ): Promise<string>;
  basicCancel(consumerTag: string): Promise<void>;
  basicPublish(
    exchange: string,
    routingKey: string,
    body: Buffer | string,
    properties?: BasicProperties,
    options?: BasicPublishOptions,
  ): Promise<void>;
  basicGet(queue: string, options?: BasicGetOptions): Promise<GetMessage | null>;
  basicAck(deliveryTag: number, multiple?: boolean): void;
  basicNack(deliveryTag: number, options?: BasicNackOptions): void;
  basicReject(deliveryTag: number, requeue?: boolean): void;
  basicRecover(requeue?: boolean): Promise<void>;
  confirmDelivery(): Promise<void>;
  txSelect(): Promise<void>;
  txCommit(): Promise<void>;
  txRollback(): Promise<void>;
  addOnReturnCallback(
    cb: EngineCallback<[channel: unknown, method: BasicReturn, properties: BasicProperties, body: Buffer]>,
  ): void;
  addOnCancelCallback(cb: (consumerTag: string) => void): void;
  addOnCloseCallback(
    cb: EngineCallback<[channel: unknown, error: ChannelClosedError | ConnectionClosedError]>,
  ): void;
  close(replyCode?: number, replyText?: string): Promise<void>;
}

/** The engine's connection as recovery uses it. */
export interface EngineConnection {
  readonly isOpen: boolean;
  readonly isBlocked: boolean;
  /** OPEN and the socket under its high-water mark; false past it until 'drain'. */
  readonly isWritable: boolean;
  readonly serverProperties: FieldTable;
  readonly channelMax: number;
  readonly frameMax: number;
  readonly heartbeat: number;
  channel(): Promise<EngineChannel>;
  close(replyCode?: number, replyText?: string): Promise<void>;
  updateSecret(newSecret: string, reason: string): Promise<void>;
  addOnCloseCallback(cb: EngineCallback<[connection: unknown, error: AMQPError | undefined]>): void;
  addOnConnectionBlockedCallback(cb: EngineCallback<[connection: unknown, reason: string]>): void;
  addOnConnectionUnblockedCallback(cb: EngineCallback<[connection: unknown]>): void;
  /** What the engine reports without closing (an oversize message, a callback that threw). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** The socket went back under its high-water mark. */
  on(event: 'drain', listener: () => void): unknown;
}

/** Opens one engine connection to one host; resolves when it is OPEN, rejects with the typed error. */
export type EngineConnector = (parameters: ConnectionParameters) => Promise<EngineConnection>;
