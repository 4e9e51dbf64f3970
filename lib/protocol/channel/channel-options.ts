/**
 * The option objects and callback shapes of the Channel's public methods. The callbacks that receive
 * their channel are written for any channel type `C` here; channel.ts names them with Channel
 * (DeliveryCallback, ReturnCallback, ChannelCloseCallback), so this file needs nothing above it.
 */
import type { BasicDeliver, BasicGetOk, BasicProperties, BasicReturn, FieldTable } from '../codec/index.js';
import type { ChannelClosedError, ConnectionClosedError, OversizeMessageError } from '../errors.js';

/**
 * A consumer of channel type `C`: called for every basic.deliver of its consumer tag. `oversize` is
 * set (and `body` empty) only for a consumer started with `oversize: 'deliver'`, when the message's
 * body was over maxBodySize: it was skipped unread and the delivery is left for the consumer to settle.
 */
export type DeliveryCallbackOf<C> = (
  channel: C,
  method: BasicDeliver,
  properties: BasicProperties,
  body: Buffer,
  oversize?: OversizeMessageError,
) => void;
/** A mandatory publish the broker could not route, on channel type `C`. */
export type ReturnCallbackOf<C> = (channel: C, method: BasicReturn, properties: BasicProperties, body: Buffer) => void;
/** Channel type `C` reached CLOSED; `error` says who closed it and why (a clean close is a 200 from 'client'). */
export type ChannelCloseCallbackOf<C> = (channel: C, error: ChannelClosedError | ConnectionClosedError) => void;
/** The broker cancelled a consumer (its queue was deleted, a node went down ...). */
export type CancelCallback = (consumerTag: string) => void;

/** The answer of basicGet when a message was waiting. */
export interface GetMessage {
  method: BasicGetOk;
  properties: BasicProperties;
  body: Buffer;
}

export interface ExchangeDeclareOptions {
  exchange: string;
  /** 'direct' (default), 'fanout', 'topic', 'headers' or a plugin's type. */
  exchangeType?: string;
  passive?: boolean;
  durable?: boolean;
  autoDelete?: boolean;
  internal?: boolean;
  arguments?: FieldTable;
}

export interface ExchangeDeleteOptions {
  exchange: string;
  ifUnused?: boolean;
}

export interface ExchangeBindOptions {
  destination: string;
  source: string;
  routingKey?: string;
  arguments?: FieldTable;
}

export interface QueueDeclareOptions {
  /** '' (default) lets the broker name the queue; the name is in the reply. */
  queue?: string;
  passive?: boolean;
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  arguments?: FieldTable;
}

export interface QueueBindOptions {
  queue: string;
  exchange: string;
  routingKey?: string;
  arguments?: FieldTable;
}

export interface QueuePurgeOptions {
  queue: string;
}

export interface QueueDeleteOptions {
  queue: string;
  ifUnused?: boolean;
  ifEmpty?: boolean;
}

export interface BasicQosOptions {
  /** Must be 0 on RabbitMQ (default). */
  prefetchSize?: number;
  /** 0 (default) = unlimited. */
  prefetchCount?: number;
  /** RabbitMQ: false = per consumer, true = per channel. */
  global?: boolean;
}

export interface BasicConsumeOptions {
  autoAck?: boolean;
  exclusive?: boolean;
  /** '' (default) lets the broker choose the tag. */
  consumerTag?: string;
  arguments?: FieldTable;
  /**
   * A delivery whose body is over maxBodySize (skipped unread): 'reject' rejects it without requeue
   * (dead-lettered if its queue has a DLX, else dropped by the broker) and reports an
   * OversizeMessageError; 'deliver' hands it to `onMessage` with an empty body and the error, unsettled,
   * so the consumer gives it a fate of its own (a copy to a dead-letter queue, say). Ignored with autoAck.
   * @default 'reject'
   */
  oversize?: 'reject' | 'deliver';
}

export interface BasicPublishOptions {
  /** Ask the broker to return the message (basic.return) when no queue takes it. */
  mandatory?: boolean;
}

export interface BasicGetOptions {
  autoAck?: boolean;
}

export interface BasicNackOptions {
  multiple?: boolean;
  /** true (default): the broker requeues the message. */
  requeue?: boolean;
}
