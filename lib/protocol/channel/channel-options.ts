/**
 * The option objects and callback shapes of the Channel's public methods. The callbacks that receive
 * their channel are written for any channel type `C` here; channel.ts names them with Channel
 * (DeliveryCallback, ReturnCallback, ChannelCloseCallback), so this file needs nothing above it.
 */
import type { BasicDeliver, BasicGetOk, BasicProperties, BasicReturn, FieldTable } from '../codec/index.js';
import type { ChannelClosedError, ConnectionClosedError } from '../errors.js';

/** A consumer of channel type `C`: called for every basic.deliver of its consumer tag. */
export type DeliveryCallbackOf<C> = (channel: C, method: BasicDeliver, properties: BasicProperties, body: Buffer) => void;
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
