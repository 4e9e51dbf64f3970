/** Shared helpers for the channel's end-to-end tests against the real broker. */
import { Connection } from '../../../lib/protocol/connection/connection.js';
import type { Channel } from '../../../lib/protocol/channel/channel.js';
import { brokerUrl } from '../../support/broker-url.js';

export const BROKER_URL = brokerUrl();

let counter = 0;
/** A name no other test (or run) uses. */
export function uniqueName(what: string): string {
  counter += 1;
  return `channel-e2e.${what}.${process.pid}.${Date.now().toString(36)}.${counter}`;
}

export function connect(): Promise<Connection> {
  return Connection.connect(BROKER_URL);
}

/** Resolves after `predicate` holds, polling on the event loop (bounded, so a bug fails rather than hangs). */
export async function until(predicate: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Deletes queues and exchanges on a fresh channel, ignoring what no longer exists. */
export async function cleanup(
  connection: Connection,
  queues: string[],
  exchanges: string[] = [],
): Promise<void> {
  if (!connection.isOpen) return;
  let channel: Channel = await connection.channel();
  for (const queue of queues) {
    try {
      await channel.queueDelete({ queue });
    } catch {
      channel = await connection.channel();
    }
  }
  for (const exchange of exchanges) {
    try {
      await channel.exchangeDelete({ exchange });
    } catch {
      channel = await connection.channel();
    }
  }
  if (channel.isOpen) await channel.close();
}
