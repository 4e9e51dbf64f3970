/**
 * Every `node:diagnostics_channel` the engine publishes on, created here by its documented name.
 * Hot code publishes only when `channel.hasSubscribers` is true, so an unobserved process pays one
 * boolean check per event and builds no message object. Subscribers (an APM, the package's own
 * telemetry, a debug logger) need nothing from the engine but these names:
 *
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('nestjs-amqp-transport:publish', (message) => console.log(message));
 * ```
 *
 * A message object is handed to every subscriber synchronously and must not be kept or changed:
 * `properties` is the publish's or delivery's own object.
 */
import { channel, type Channel as DiagnosticsChannel } from 'node:diagnostics_channel';
import type { BasicProperties } from './codec/properties.js';

/** The names, one per event; they are part of the public API. */
export const DIAGNOSTICS_CHANNELS = {
  /** A basic.publish about to be written: {@link PublishDiagnostic}. */
  publish: 'nestjs-amqp-transport:publish',
  /** The broker confirmed (ack) or refused (nack) publishes of a confirm-mode channel: {@link ConfirmDiagnostic}. */
  confirm: 'nestjs-amqp-transport:confirm',
  /** The broker returned an unroutable mandatory publish: {@link ReturnDiagnostic}. */
  return: 'nestjs-amqp-transport:return',
  /** A basic.deliver handed to its consumer: {@link DeliverDiagnostic}. */
  deliver: 'nestjs-amqp-transport:deliver',
  /** A basic.ack, basic.nack or basic.reject written for deliveries: {@link SettleDiagnostic}. */
  settle: 'nestjs-amqp-transport:settle',
  /** A connection reached OPEN: {@link ConnectionDiagnostic}. */
  connectionOpen: 'nestjs-amqp-transport:connection:open',
  /** An open connection reached CLOSED (`error` undefined for a clean close): {@link ConnectionDiagnostic}. */
  connectionClose: 'nestjs-amqp-transport:connection:close',
  /** The broker blocked the connection (connection.blocked): {@link ConnectionDiagnostic} with `reason`. */
  connectionBlocked: 'nestjs-amqp-transport:connection:blocked',
  /** The broker unblocked the connection: {@link ConnectionDiagnostic}. */
  connectionUnblocked: 'nestjs-amqp-transport:connection:unblocked',
  /** A self-recovering connection lost its engine connection and starts recovering: {@link ConnectionDiagnostic} with `error`. */
  connectionRecovering: 'nestjs-amqp-transport:connection:recovering',
  /** A self-recovering connection is back (channels, consumers and topology restored): {@link ConnectionDiagnostic}. */
  connectionRecovered: 'nestjs-amqp-transport:connection:recovered',
} as const;

/** Message of {@link DIAGNOSTICS_CHANNELS}.publish. */
export interface PublishDiagnostic {
  readonly channelNumber: number;
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory: boolean;
  readonly properties: BasicProperties | undefined;
  readonly bodySize: number;
}

/** Message of {@link DIAGNOSTICS_CHANNELS}.confirm. */
export interface ConfirmDiagnostic {
  readonly channelNumber: number;
  /** true for basic.ack, false for basic.nack. */
  readonly ack: boolean;
  readonly deliveryTag: number;
  readonly multiple: boolean;
  /** How many waiting publishes this confirm settled. */
  readonly count: number;
}

/** Message of {@link DIAGNOSTICS_CHANNELS}.return. */
export interface ReturnDiagnostic {
  readonly channelNumber: number;
  readonly replyCode: number;
  readonly replyText: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: BasicProperties;
}

/** Message of {@link DIAGNOSTICS_CHANNELS}.deliver. */
export interface DeliverDiagnostic {
  readonly channelNumber: number;
  readonly consumerTag: string;
  readonly deliveryTag: number;
  readonly redelivered: boolean;
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: BasicProperties;
  readonly bodySize: number;
}

/** Message of {@link DIAGNOSTICS_CHANNELS}.settle. */
export interface SettleDiagnostic {
  readonly channelNumber: number;
  readonly method: 'basic.ack' | 'basic.nack' | 'basic.reject';
  readonly deliveryTag: number;
  readonly multiple: boolean;
  /** false for an ack. */
  readonly requeue: boolean;
}

/** Message of the connection channels. `connection` is the engine or self-recovering connection object. */
export interface ConnectionDiagnostic {
  readonly connection: object;
  readonly host?: string;
  readonly port?: number;
  readonly reason?: string;
  readonly error?: Error;
}

/** @internal The channels themselves; the engine's hot code checks `hasSubscribers` before building a message. */
export const diagnostics: { readonly [K in keyof typeof DIAGNOSTICS_CHANNELS]: DiagnosticsChannel } = {
  publish: channel(DIAGNOSTICS_CHANNELS.publish),
  confirm: channel(DIAGNOSTICS_CHANNELS.confirm),
  return: channel(DIAGNOSTICS_CHANNELS.return),
  deliver: channel(DIAGNOSTICS_CHANNELS.deliver),
  settle: channel(DIAGNOSTICS_CHANNELS.settle),
  connectionOpen: channel(DIAGNOSTICS_CHANNELS.connectionOpen),
  connectionClose: channel(DIAGNOSTICS_CHANNELS.connectionClose),
  connectionBlocked: channel(DIAGNOSTICS_CHANNELS.connectionBlocked),
  connectionUnblocked: channel(DIAGNOSTICS_CHANNELS.connectionUnblocked),
  connectionRecovering: channel(DIAGNOSTICS_CHANNELS.connectionRecovering),
  connectionRecovered: channel(DIAGNOSTICS_CHANNELS.connectionRecovered),
};
