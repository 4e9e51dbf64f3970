import { DEFAULT_MAX_REDELIVERIES, isQuorumConsumer } from '../../options/consumer-pipeline.validate.js';
import { queueArguments, type QueueConsumerMetadata } from '../../decorators/queue-consumer.metadata.js';
import type { ServerAMQPOptions } from '../../options/server-amqp.options.js';

/** Where a queue's failed messages can go, known at start-up. */
export interface FailureTarget {
  /** The queue's `x-dead-letter-exchange` as declared ('' is the default exchange), if any. */
  readonly deadLetterExchange: string | undefined;
  /** Our dead-letter queue for a queue without a DLX (undefined: none, a dead-letter is a plain nack). */
  readonly deadLetterQueue: string | undefined;
  /** Durability of that dead-letter queue (the consumed queue's). */
  readonly durable: boolean;
  /** The broker counts redeliveries (`x-delivery-count`): requeue with basic.nack. */
  readonly quorum: boolean;
  readonly maxRedeliveries: number;
}

/** The suffix of a dead-letter queue's default name. */
export const DEAD_LETTER_QUEUE_SUFFIX = '.dlq';

/** The failure target of a `@QueueConsumer` (its declared arguments and `deadLetterQueue`). */
export function consumerFailureTarget(metadata: QueueConsumerMetadata): FailureTarget {
  const { queue, options } = metadata;
  const dlx = queueArguments(options)['x-dead-letter-exchange'];
  const deadLetterExchange = typeof dlx === 'string' ? dlx : undefined;
  return {
    deadLetterExchange,
    deadLetterQueue: deadLetterQueueOf(queue, deadLetterExchange, options.deadLetterQueue),
    durable: options.durable ?? true,
    quorum: isQuorumConsumer(options),
    maxRedeliveries: options.maxRedeliveries ?? DEFAULT_MAX_REDELIVERIES,
  };
}

/** The failure target of the server's default queue (its `queueOptions.arguments` and `deadLetterQueue`). */
export function defaultQueueFailureTarget(options: ServerAMQPOptions): FailureTarget {
  const queue = options.queue ?? '';
  const args = options.queueOptions?.arguments ?? {};
  const dlx = args['x-dead-letter-exchange'];
  const deadLetterExchange = typeof dlx === 'string' ? dlx : undefined;
  return {
    deadLetterExchange,
    deadLetterQueue: deadLetterQueueOf(queue, deadLetterExchange, options.deadLetterQueue),
    durable: options.queueOptions?.durable ?? queue !== '',
    quorum: args['x-queue-type'] === 'quorum',
    maxRedeliveries: DEFAULT_MAX_REDELIVERIES,
  };
}

function deadLetterQueueOf(queue: string, dlx: string | undefined, option: string | false | undefined): string | undefined {
  if (dlx !== undefined || option === false) return undefined;
  if (option !== undefined) return option;
  // A server-named queue has no stable name to derive one from.
  return queue === '' ? undefined : `${queue}${DEAD_LETTER_QUEUE_SUFFIX}`;
}

/**
 * The start-up warning for a queue whose failures the broker would drop, naming the queue and what
 * happens to them instead; undefined when the queue has a DLX.
 */
export function noDeadLetterWarning(label: string, queue: string, target: FailureTarget, policy: string): string | undefined {
  if (target.deadLetterExchange !== undefined) return undefined;
  const name = queue === '' ? 'the server-named queue' : `queue "${queue}"`;
  const fate =
    target.deadLetterQueue !== undefined
      ? `failed messages are moved to dead-letter queue "${target.deadLetterQueue}"`
      : 'failed messages are nacked without requeue and DROPPED unless a broker policy gives it a DLX (set deadLetterExchange or deadLetterQueue)';
  return `${label}: ${name} has no dead-letter exchange; onError: ${policy}; ${fate}`;
}
