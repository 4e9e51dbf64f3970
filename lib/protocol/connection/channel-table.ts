/**
 * The channels of one connection by number. An array indexed by channel number: the inbound hot path
 * looks a channel up for every frame.
 */
import type { Channel } from '../channel/channel.js';
import { type ConnectionClosedError, InvalidArgumentError, InvalidStateError } from '../errors.js';

export class ChannelTable {
  #slots: (Channel | undefined)[] = [];

  get(channelNumber: number): Channel | undefined {
    return this.#slots[channelNumber];
  }

  /**
   * The number for a new channel: `requested` when free and in 1..channelMax, else the lowest free one.
   * @throws InvalidArgumentError for a requested number out of range or in use
   * @throws InvalidStateError when all channelMax numbers are in use
   */
  allocate(requested: number | undefined, channelMax: number): number {
    if (requested !== undefined) {
      if (!Number.isInteger(requested) || requested < 1 || requested > channelMax) {
        throw new InvalidArgumentError('channelNumber', `must be an integer in 1..${channelMax}, got ${String(requested)}`);
      }
      if (this.#slots[requested] !== undefined) {
        throw new InvalidArgumentError('channelNumber', `channel ${requested} is already in use`);
      }
      return requested;
    }
    let n = 1;
    while (n <= channelMax && this.#slots[n] !== undefined) n += 1;
    if (n > channelMax) {
      throw new InvalidStateError(`no free channel number: all ${channelMax} are in use (channel_max)`, 'OPEN');
    }
    return n;
  }

  set(channelNumber: number, channel: Channel): void {
    this.#slots[channelNumber] = channel;
  }

  release(channelNumber: number): void {
    this.#slots[channelNumber] = undefined;
  }

  /**
   * Empties the table and hands each channel the connection's end; what one throws is reported
   * through `callbacks` and the others still hear of it.
   */
  closeAll(error: ConnectionClosedError, callbacks: { safely(fn: () => void, where: string): void }): void {
    for (const channel of this.takeAll()) callbacks.safely(() => channel.handleConnectionClosed(error), 'channel teardown');
  }

  /** Empties the table and returns what was in it. */
  takeAll(): Channel[] {
    const channels = this.#slots.filter((c): c is Channel => c !== undefined);
    this.#slots = [];
    return channels;
  }
}
