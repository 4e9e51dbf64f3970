/**
 * The seam between a Channel and its Connection. The connection implements it; the channel only
 * ever talks to the socket through it, so the channel stays testable with a scripted fake link.
 */
import type { Connection } from '../connection/connection.js';
import type { CancelTimer } from '../io/clock.js';

export interface ChannelLink {
  readonly frameMax: number;
  /** Queue encoded frames for the socket (coalesced per tick). false = outbound buffer over its high-water mark. */
  write(frames: Buffer): boolean;
  /** Resolves once the outbound buffer is below the high-water mark (at once if it is); rejects if the connection dies. */
  drained(): Promise<void>;
  /** Called by the channel when it reaches CLOSED, to free its number. */
  release(channelNumber: number): void;
  /** The owning connection (for users' callbacks). */
  readonly connection: Connection;
  /** Milliseconds a synchronous method may wait for its reply; 0 or absent = for ever. */
  readonly rpcTimeoutMs?: number;
  /** A one-shot timer on the connection's clock that does not keep the process alive. */
  setTimer?(ms: number, fn: () => void): CancelTimer;
  /** True while the broker blocks the connection (a reply may then be held up legitimately). */
  readonly blocked?: boolean;
}
