import { MessageReturnedError } from '../../../protocol/errors.js';
import type { BasicProperties, FieldTable } from '../../../protocol/index.js';
import { DeadLetterReplayError } from '../../core/dead-letter.errors.js';
import { FAILED_QUEUE_HEADER, REPLAY_COUNT_HEADER, REPLAYED_AT_HEADER, retryCountOf } from '../../core/message-headers.js';
import { fullProperties } from '../../core/full-properties.js';

/** The little of a channel the operations use (the engine's Channel, recovering or not). */
interface OperationsChannel {
  readonly isOpen: boolean;
  queueDeclare(o: { queue: string; passive: boolean }): Promise<{ messageCount: number }>;
  basicGet(queue: string): Promise<{ body: Buffer; properties: BasicProperties; method: { deliveryTag: number } } | null>;
  confirmDelivery(): Promise<unknown>;
  basicPublish(exchange: string, routingKey: string, body: Buffer, properties: BasicProperties, o: { mandatory: boolean }): Promise<void>;
  basicAck(deliveryTag: number): void;
  addOnReturnCallback(cb: (channel: unknown, method: { replyCode: number; replyText: string; exchange: string; routingKey: string }) => void): void;
  queuePurge(o: { queue: string }): Promise<{ messageCount: number }>;
  close(): Promise<unknown>;
}

/** A connection as the operations see it: a source of channels. */
export interface OperationsConnection {
  channel(): Promise<OperationsChannel>;
}

/** One dead letter as read from its queue (left in it). */
export interface DeadLetter {
  readonly body: Buffer;
  readonly properties: BasicProperties;
  readonly headers: FieldTable;
  /** The queue it failed on (`x-failed-queue`, else the broker's `x-death`), if known. */
  readonly failedQueue: string | undefined;
}

/** What `replay` takes. */
export interface ReplayOptions {
  /** Where to send them: a queue name. @default each message's original queue (`x-failed-queue`) */
  to?: string;
  /** Only these are replayed; the others stay in the dead-letter queue. */
  filter?: (letter: DeadLetter) => boolean;
  /** At most this many. @default all that are there when it starts */
  limit?: number;
  /** At most this many per second. @default no limit */
  ratePerSecond?: number;
  /** Count and report, move nothing. */
  dryRun?: boolean;
  /** Called after each message considered: replayed so far, considered so far, total. */
  onProgress?: (replayed: number, considered: number, total: number) => void;
}

/** What a replay did. */
export interface ReplayResult {
  readonly considered: number;
  readonly replayed: number;
  /** Left in the dead-letter queue: filtered out, or without a known target. */
  readonly skipped: number;
}

/**
 * The dead-letter operations, on a connection: list a queue's depth, peek at letters without taking
 * them, replay them (confirmed publish first, then the ack: a crash duplicates, never loses), purge.
 * Each opens a channel of its own and closes it; what a peek or a skipped replay held goes back.
 */
export class DeadLetterOperations {
  constructor(private readonly connection: () => OperationsConnection) {}

  /** Ready messages in each queue (a queue that does not exist is left out). */
  async list(queues: readonly string[]): Promise<Array<{ queue: string; messages: number }>> {
    const out: Array<{ queue: string; messages: number }> = [];
    for (const queue of queues) {
      const channel = await this.connection().channel();
      try {
        const ok = await channel.queueDeclare({ queue, passive: true });
        out.push({ queue, messages: ok.messageCount });
      } catch {
        // gone (the channel closed with 404)
      } finally {
        if (channel.isOpen) await channel.close().catch(() => undefined);
      }
    }
    return out;
  }

  /** Up to `count` letters from the head of `queue`, left in it. */
  async peek(queue: string, count = 10): Promise<DeadLetter[]> {
    const channel = await this.connection().channel();
    const letters: DeadLetter[] = [];
    try {
      for (let i = 0; i < count; i += 1) {
        const got = await channel.basicGet(queue);
        if (got === null) break;
        letters.push(letterOf(got.body, got.properties));
      }
    } finally {
      // Closing the channel returns every message it took, in order.
      if (channel.isOpen) await channel.close().catch(() => undefined);
    }
    return letters;
  }

  /**
   * Moves letters of `queue` back to their original queue (or `to`), each recorded in
   * `x-replay-count` / `x-replayed-at`. Each is published mandatory: a letter whose target queue does
   * not exist comes back, and the replay stops with DeadLetterReplayError, leaving it in `queue`.
   */
  async replay(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const channel = await this.connection().channel();
    await channel.confirmDelivery();
    // One publish in flight at a time, and the broker sends a basic.return before its confirm: a return seen when the confirm came is that publish's.
    let returned: MessageReturnedError | undefined;
    channel.addOnReturnCallback((_channel, method) => {
      returned = new MessageReturnedError(method.replyCode, method.replyText, method.exchange, method.routingKey);
    });
    let considered = 0;
    let replayed = 0;
    try {
      const total = Math.min((await channel.queueDeclare({ queue, passive: true })).messageCount, options.limit ?? Number.POSITIVE_INFINITY);
      const started = Date.now();
      while (considered < total) {
        const got = await channel.basicGet(queue);
        if (got === null) break;
        considered += 1;
        const letter = letterOf(got.body, got.properties);
        const target = options.to ?? letter.failedQueue;
        // Not acked: a skipped letter stays unacked on this channel (so the next get moves on) and returns at the close.
        if (target !== undefined && (options.filter?.(letter) ?? true)) {
          if (options.dryRun !== true) {
            const properties = fullProperties(got.properties);
            properties.headers = {
              ...letter.headers,
              [REPLAY_COUNT_HEADER]: retryCountOf(letter.headers[REPLAY_COUNT_HEADER]) + 1,
              [REPLAYED_AT_HEADER]: Date.now(),
            };
            returned = undefined;
            await channel.basicPublish('', target, got.body, properties, { mandatory: true });
            if (returned !== undefined) throw new DeadLetterReplayError(queue, target, replayed, returned);
            channel.basicAck(got.method.deliveryTag);
          }
          replayed += 1;
          const rate = options.ratePerSecond;
          if (rate !== undefined && rate > 0) {
            const due = started + (replayed * 1000) / rate;
            if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          }
        }
        options.onProgress?.(replayed, considered, total);
      }
    } finally {
      if (channel.isOpen) await channel.close().catch(() => undefined);
    }
    return { considered, replayed, skipped: considered - replayed };
  }

  /** Deletes every ready message of `queue`; resolves to how many. */
  async purge(queue: string): Promise<number> {
    const channel = await this.connection().channel();
    try {
      return (await channel.queuePurge({ queue })).messageCount;
    } finally {
      if (channel.isOpen) await channel.close().catch(() => undefined);
    }
  }
}

function letterOf(body: Buffer, properties: BasicProperties): DeadLetter {
  const headers = properties.headers ?? {};
  const failed = headers[FAILED_QUEUE_HEADER];
  const death = headers['x-death'];
  const brokerQueue = Array.isArray(death) ? (death[0] as FieldTable | undefined)?.['queue'] : undefined;
  const failedQueue = typeof failed === 'string' ? failed : typeof brokerQueue === 'string' ? brokerQueue : undefined;
  return { body, properties, headers, failedQueue };
}
