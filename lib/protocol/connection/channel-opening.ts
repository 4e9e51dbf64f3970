/**
 * A new channel on an open connection: its number (the requested one or the lowest free), its place
 * in the connection's channel table, then channel.open, and the caller's onOpen once it is open.
 */
import { Channel } from '../channel/channel.js';
import type { ChannelLink } from '../channel/channel-link.js';
import type { ChannelTable } from './channel-table.js';

/** Runs users' code, reporting what it throws instead of rejecting the open channel. */
interface Safely {
  safely(fn: () => void, where: string): void;
}

/** Opens a channel on `link`; rejects when no number is free or the requested one is not. */
export function openChannel(
  link: ChannelLink,
  channels: ChannelTable,
  channelMax: number,
  options: { onOpen?: (channel: Channel) => void; channelNumber?: number },
  callbacks: Safely,
): Promise<Channel> {
  let number: number;
  try {
    number = channels.allocate(options.channelNumber, channelMax);
  } catch (error) {
    return Promise.reject(error);
  }
  const channel = new Channel(link, number);
  channels.set(number, channel);
  const onOpen = options.onOpen;
  return channel.open().then((opened) => {
    if (onOpen !== undefined) callbacks.safely(() => onOpen(opened), 'a channel onOpen callback');
    return opened;
  });
}
