/**
 * The seam between a Channel and its Connection: everything a channel needs from below it (the
 * socket, its number's release, a timer, the blocked flag, and where users' exceptions go). The
 * connection implements it (connection/connection-link.ts); the channel never sees the Connection
 * itself, so channel/ sits below connection/ and a channel is testable with a scripted fake link.
 */
import type { CancelTimer } from '../io/clock.js';

export interface ChannelLink {
  readonly frameMax: number;
  /** Queue encoded frames for the socket (coalesced per tick). false = outbound buffer over its high-water mark. */
  write(frames: Buffer): boolean;
  /** Resolves once the outbound buffer is below the high-water mark (at once if it is); rejects if the connection dies. */
  drained(): Promise<void>;
  /** Called by the channel when it reaches CLOSED, to free its number. */
  release(channelNumber: number): void;
  /**
   * Takes an exception thrown by a user's callback (consumer, return, cancel, close) or an error to
   * report (an oversize delivery). It must not throw: the channel calls it from the frame parser's
   * path, and an exception there would kill the socket for every channel.
   */
  reportError(error: unknown, where: string): void;
  /** Milliseconds a synchronous method may wait for its reply; 0 or absent = for ever. */
  readonly rpcTimeoutMs?: number;
  /** A one-shot timer on the connection's clock that does not keep the process alive. */
  setTimer?(ms: number, fn: () => void): CancelTimer;
  /** True while the broker blocks the connection (a reply may then be held up legitimately). */
  readonly blocked?: boolean;
}
