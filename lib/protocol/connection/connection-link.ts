/**
 * The connection's side of the {@link ChannelLink} seam: what every channel of one connection uses to
 * reach the socket, the clock, the blocked flag and the 'error' listeners. `frameMax` is a plain
 * field (set once tuned) because the publish path reads it for every message.
 */
import type { ChannelLink } from '../channel/channel-link.js';
import type { CancelTimer, Clock } from '../io/clock.js';

/** What the Connection hands its link: its socket path, its channel table and its error reporting. */
export interface ConnectionLinkOps {
  write: (frames: Buffer) => boolean;
  drained: () => Promise<void>;
  release: (channelNumber: number) => void;
  isBlocked: () => boolean;
  reportError: (error: unknown, where: string) => void;
}

export class ConnectionLink implements ChannelLink {
  frameMax = 0;
  /** rpc_timeout of the open attempt's parameters, in milliseconds (set once open). */
  rpcTimeoutMs = 0;
  readonly write: (frames: Buffer) => boolean;
  readonly drained: () => Promise<void>;
  readonly release: (channelNumber: number) => void;
  readonly reportError: (error: unknown, where: string) => void;
  readonly #isBlocked: () => boolean;
  readonly #clock: Clock;

  constructor(clock: Clock, ops: ConnectionLinkOps) {
    this.#clock = clock;
    this.write = ops.write;
    this.drained = ops.drained;
    this.release = ops.release;
    this.reportError = ops.reportError;
    this.#isBlocked = ops.isBlocked;
  }

  get blocked(): boolean {
    return this.#isBlocked();
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    return this.#clock.setTimer(ms, fn, false);
  }
}
