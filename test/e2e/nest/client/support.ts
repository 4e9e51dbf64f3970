/**
 * Helpers shared by the Nest client, module and interop e2e suites: unique names, an independent
 * admin connection (amqplib) for declaring, inspecting and cleaning up, and waiting.
 */
import amqplib from 'amqplib';
import { brokerUrl } from '../../../support/broker-url.js';

export const AMQP_URL = brokerUrl();

let counter = 0;
/** A queue/exchange name no other test (or run) uses. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** An amqplib connection used only to set up and inspect, never as the client under test. */
export interface Admin {
  channel: amqplib.Channel;
  deleteQueues(...names: string[]): Promise<void>;
  deleteExchanges(...names: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openAdmin(): Promise<Admin> {
  const connection = await amqplib.connect(AMQP_URL);
  let channel = await connection.createChannel();
  // A failed check (404) closes an amqplib channel: reopen so later cleanup still works.
  const fresh = async (): Promise<amqplib.Channel> => {
    try {
      await channel.checkExchange('amq.direct');
    } catch {
      channel = await connection.createChannel();
    }
    return channel;
  };
  return {
    get channel() {
      return channel;
    },
    async deleteQueues(...names) {
      // With the `.dlq` a consumer declares for a queue without a dead-letter exchange.
      for (const name of names.flatMap((queue) => (queue.endsWith('.dlq') ? [queue] : [queue, `${queue}.dlq`]))) {
        await (await fresh()).deleteQueue(name).catch(() => undefined);
      }
    },
    async deleteExchanges(...names) {
      for (const name of names) await (await fresh()).deleteExchange(name).catch(() => undefined);
    },
    async close() {
      await connection.close().catch(() => undefined);
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

