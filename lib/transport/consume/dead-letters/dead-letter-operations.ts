import { MessageReturnedError, type BasicProperties, type FieldTable } from '../../../protocol/index.js';
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

/** How many replayed letters may await their publish confirms at once. */
const REPLAY_WINDOW = 64;

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
   * Moves letters of `queue` back to their original queue (or `to`), each recorded in `x-replay-count` / `x-replayed-at`.
   * Up to {@link REPLAY_WINDOW} publishes await their confirms while the next letters are read; each
   * letter is acked once its publish is confirmed. A publish that fails (nacked, or returned
   * unroutable: a MessageReturnedError) stops the replay and is thrown once the others settle; from
   * then on nothing more is acked, so what was not acked goes back to the queue at the channel's
   * close (a letter that did reach its target then exists twice, none is lost).
   */
  async replay(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const channel = await this.connection().channel();
    await channel.confirmDelivery();
    let considered = 0;
    let replayed = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    // basic.return comes before the ack of the same publish, so a returned letter is never acked
    channel.addOnReturnCallback((_channel, method) => {
      failure ??= { error: new MessageReturnedError(method.replyCode, method.replyText, method.exchange, method.routingKey) };
    });
    try {
      const total = Math.min((await channel.queueDeclare({ queue, passive: true })).messageCount, options.limit ?? Number.POSITIVE_INFINITY);
      const started = Date.now();
      while (considered < total && failure === undefined) {
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
            const { deliveryTag } = got.method;
            const fail = (error: unknown): void => {
              failure ??= { error };
            };
            const settled = channel.basicPublish('', target, got.body, properties, { mandatory: true }).then(() => {
              if (failure !== undefined) return;
              try {
                channel.basicAck(deliveryTag);
              } catch (error) {
                fail(error);
              }
            }, fail);
            inFlight.add(settled);
            void settled.then(() => inFlight.delete(settled));
            if (inFlight.size >= REPLAY_WINDOW) await Promise.race(inFlight);
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
      await Promise.all(inFlight);
    } finally {
      // settled promises never reject: wait for every confirm (and its ack) before the close
      await Promise.all(inFlight);
      if (channel.isOpen) await channel.close().catch(() => undefined);
    }
    if (failure !== undefined) throw failure.error;
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
