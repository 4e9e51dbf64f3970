import { Injectable } from '@nestjs/common';
import { DeadLetterOperations, type DeadLetter, type ReplayOptions, type ReplayResult } from '../consume/dead-letters/dead-letter-operations.js';
import { AmqpPublisher } from './amqp-publisher.js';

export type { DeadLetter, ReplayOptions, ReplayResult } from '../consume/dead-letters/dead-letter-operations.js';

/**
 * Dead letters you can act on, on the AmqpModule's connection: `list` the depth of dead-letter
 * queues, `peek` at letters without taking them, `replay` them to their original queue (or a given
 * one), filtered and rate-limited, each replay recorded in `x-replay-count` / `x-replayed-at`, and
 * `purge` a queue. A replay publishes confirmed before it acks: a crash duplicates, never loses.
 *
 * @example
 * ```ts
 * constructor(private readonly deadLetters: AmqpDeadLetters) {}
 * await this.deadLetters.replay('orders.dlq', { filter: (l) => l.headers['x-exception-class'] === 'TimeoutError' });
 * ```
 */
@Injectable()
export class AmqpDeadLetters {
  private readonly operations: DeadLetterOperations;

  constructor(publisher: AmqpPublisher) {
    this.operations = new DeadLetterOperations(() => publisher.connection);
  }

  /** Ready messages in each of `queues` (queues that do not exist are left out). */
  list(queues: readonly string[]): Promise<Array<{ queue: string; messages: number }>> {
    return this.operations.list(queues);
  }

  /** Up to `count` letters from the head of `queue`, left in it. */
  peek(queue: string, count?: number): Promise<DeadLetter[]> {
    return this.operations.peek(queue, count);
  }

  /** Moves letters back to where they failed (or `options.to`); see {@link ReplayOptions}. */
  replay(queue: string, options?: ReplayOptions): Promise<ReplayResult> {
    return this.operations.replay(queue, options);
  }

  /** Deletes every ready message of `queue`; resolves to how many. */
  purge(queue: string): Promise<number> {
    return this.operations.purge(queue);
  }
}
