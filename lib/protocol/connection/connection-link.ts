/**
 * The connection's side of the {@link ChannelLink} seam: what every channel of one connection uses to
 * reach the socket. `frameMax` is a plain field (set once tuned) because the publish path reads it
 * for every message.
 */
import type { ChannelLink } from '../channel/channel-link.js';
import type { CancelTimer, Clock } from '../io/clock.js';
import type { Connection } from './connection.js';

export class ConnectionLink implements ChannelLink {
  frameMax = 0;
  /** rpc_timeout of the open attempt's parameters, in milliseconds (set once open). */
  rpcTimeoutMs = 0;
  readonly connection: Connection;
  readonly write: (frames: Buffer) => boolean;
  readonly drained: () => Promise<void>;
  readonly release: (channelNumber: number) => void;
  readonly #clock: Clock;

  constructor(
    connection: Connection,
    clock: Clock,
    ops: {
      write: (frames: Buffer) => boolean;
      drained: () => Promise<void>;
      release: (channelNumber: number) => void;
    },
  ) {
    this.connection = connection;
    this.#clock = clock;
    this.write = ops.write;
    this.drained = ops.drained;
    this.release = ops.release;
  }

  get blocked(): boolean {
    return this.connection.isBlocked;
  }

  setTimer(ms: number, fn: () => void): CancelTimer {
    return this.#clock.setTimer(ms, fn, false);
  }
}
