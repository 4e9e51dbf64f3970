/**
 * The channel's state machine as data. Rules of this file:
 * - every state change goes through {@link transition}; nothing else assigns a state;
 * - what a user may call in a state is {@link ACCEPTS_OPERATIONS}; anything else is a {@link ChannelStateError}
 *   naming the state and the method, thrown before a byte is written;
 * - what the channel does with an inbound method in a state is {@link INBOUND}: after we
 *   sent channel.close the spec says to discard everything but close / close-ok, except that we still
 *   read the replies of the synchronous methods queued before the close and the broker's confirms
 *   (settling a publish with the truth beats rejecting it).
 */
import { ChannelStateError } from '../errors.js';

/** The states of a channel. A channel is born OPENING (the connection sends channel.open at once). */
export type ChannelState = 'OPENING' | 'OPEN' | 'CLOSING' | 'CLOSED';

/** What moves a channel from one state to the next. */
export type ChannelEvent =
  | 'open-ok' //          broker accepted channel.open
  | 'close' //            the user called close()
  | 'close-ok' //         broker confirmed our channel.close
  | 'broker-close' //     broker sent channel.close (we answer close-ok)
  | 'rpc-timeout' //      a synchronous method or close-ok got no reply in time (we close, number kept until close-ok)
  | 'connection-lost'; // the connection went away

const TRANSITIONS: Readonly<Record<ChannelState, Readonly<Partial<Record<ChannelEvent, ChannelState>>>>> = {
  OPENING: { 'open-ok': 'OPEN', close: 'CLOSING', 'broker-close': 'CLOSED', 'rpc-timeout': 'CLOSED', 'connection-lost': 'CLOSED' },
  OPEN: { close: 'CLOSING', 'broker-close': 'CLOSED', 'rpc-timeout': 'CLOSED', 'connection-lost': 'CLOSED' },
  CLOSING: {
    close: 'CLOSING',
    'close-ok': 'CLOSED',
    'broker-close': 'CLOSED',
    'rpc-timeout': 'CLOSED',
    'connection-lost': 'CLOSED',
  },
  CLOSED: { close: 'CLOSED', 'connection-lost': 'CLOSED' },
};

/** Returns the state after `event`, or throws a {@link ChannelStateError} naming both. */
export function transition(channel: number, state: ChannelState, event: ChannelEvent): ChannelState {
  const next = TRANSITIONS[state][event];
  if (next === undefined) throw new ChannelStateError(channel, event, state);
  return next;
}

/**
 * Whether a state accepts user operations (every method of exchange, queue, basic, confirm and tx);
 * close() is governed by the transition table instead.
 */
export const ACCEPTS_OPERATIONS: Readonly<Record<ChannelState, boolean>> = {
  OPENING: false,
  OPEN: true,
  CLOSING: false,
  CLOSED: false,
};

/** Throws a {@link ChannelStateError} unless `operation` is allowed in `state`. */
export function assertOperation(channel: number, state: ChannelState, operation: string): void {
  if (!ACCEPTS_OPERATIONS[state]) throw new ChannelStateError(channel, operation, state);
}

/** What to do with an inbound method. */
export type Disposition = 'handle' | 'reply-only' | 'drop';

/**
 * 'handle': dispatch fully. 'reply-only': only channel.close / close-ok, replies to the synchronous
 * method in flight and confirms (basic.ack / basic.nack) are read; deliveries, returns, cancels and
 * flow are dropped. 'drop': nothing but the late close-ok of a crossed close is read.
 */
export const INBOUND: Readonly<Record<ChannelState, Disposition>> = {
  OPENING: 'reply-only',
  OPEN: 'handle',
  CLOSING: 'reply-only',
  CLOSED: 'drop',
};
