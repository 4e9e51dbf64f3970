/** The callbacks a RecoveringChannel takes: they keep being called across recoveries. */
import type { AMQPError, OversizeMessageError } from '../errors.js';
import type { BasicDeliver, BasicProperties, BasicReturn } from './engine-port.js';

/**
 * A consumer of a recovering channel `C`: the same function keeps receiving after every recovery.
 * `oversize` as for the engine's DeliveryCallback (a consumer started with `oversize: 'deliver'`).
 */
export type RecoveringDeliveryCallbackOf<C> = (
  channel: C,
  method: BasicDeliver,
  properties: BasicProperties,
  body: Buffer,
  oversize?: OversizeMessageError,
) => void;
/** A mandatory publish the broker could not route, on recovering channel `C`. */
export type RecoveringReturnCallbackOf<C> = (
  channel: C,
  method: BasicReturn,
  properties: BasicProperties,
  body: Buffer,
) => void;
/** Channel `C` closed for good (by us, by the broker, or because recovery gave up); undefined = by us. */
export type RecoveringChannelCloseCallbackOf<C> = (
  channel: C,
  error: AMQPError | undefined,
) => void;
