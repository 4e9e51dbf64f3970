/** The callbacks a RecoveringChannel takes: they keep being called across recoveries. */
import type { DeliveryCallbackOf, ReturnCallbackOf } from '../channel/channel-options.js';
import type { AMQPError } from '../errors.js';

/**
 * A consumer of a recovering channel `C`: the same function keeps receiving after every recovery.
 * The engine's delivery callback shape (`oversize` included), for channel `C`.
 */
export type RecoveringDeliveryCallbackOf<C> = DeliveryCallbackOf<C>;
/** A mandatory publish the broker could not route, on recovering channel `C`. */
export type RecoveringReturnCallbackOf<C> = ReturnCallbackOf<C>;
/** Channel `C` closed for good (by us, by the broker, or because recovery gave up); undefined = by us. */
export type RecoveringChannelCloseCallbackOf<C> = (
  channel: C,
  error: AMQPError | undefined,
) => void;
