/**
 * The connection's side of the {@link ChannelLink} seam: what every channel of one connection uses to
 * reach the socket. `frameMax` is a plain field (set once tuned) because the publish path reads it
 * for every message.
 */
import type { ChannelLink } from '../channel/channel-link.js';
import type { Connection } from './connection.js';

export class ConnectionLink implements ChannelLink {
  frameMax = 0;
  readonly connection: Connection;
  readonly write: (frames: Buffer) => boolean;
  readonly drained: () => Promise<void>;
  readonly release: (channelNumber: number) => void;

  constructor(
    connection: Connection,
    ops: {
      write: (frames: Buffer) => boolean;
      drained: () => Promise<void>;
      release: (channelNumber: number) => void;
    },
  ) {
    this.connection = connection;
    this.write = ops.write;
    this.drained = ops.drained;
    this.release = ops.release;
  }
}
