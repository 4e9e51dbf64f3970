import { ChannelClosedError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpChannel } from '../connection/connection-host.js';

/** The queue declaration of a consumer, or `false` to consume a queue declared elsewhere without asserting it. */
export type QueueDeclaration =
  | false
  | { durable: boolean; exclusive: boolean; autoDelete: boolean; passive: boolean; arguments: FieldTable };

/** Everything declared before a consumer starts: queue, optional exchange, bindings. */
export interface ConsumerTopology {
  /** '' = a server-named queue (needs a declaration). */
  queue: string;
  declare: QueueDeclaration;
  exchange?: {
    name: string;
    type: string;
    durable: boolean;
    autoDelete: boolean;
    internal: boolean;
    arguments: FieldTable;
  };
  bindings: Array<{ exchange: string; routingKey: string; arguments?: FieldTable }>;
  /** Our dead-letter queue for a queue without a DLX (declared first, plain classic queue). */
  deadLetterQueue?: { name: string; durable: boolean } | undefined;
  /** Broker-side retry queues (`retry.via: 'broker'`): each holds copies for its TTL, then dead-letters them back to the queue. */
  retryQueues?: Array<{ name: string; ttl: number; durable: boolean }> | undefined;
}

/**
 * Declares a consumer's topology on `channel`, in the order the broker needs it: exchange, queue,
 * bindings. Resolves to the queue's actual name (the broker's for a server-named queue).
 *
 * A refusal (406 PRECONDITION_FAILED for inequivalent arguments, 404 for a missing queue or exchange,
 * 403 ...) rejects with the broker's ChannelClosedError, its message rewritten to name the queue
 * and the step, so a failed start-up says which declaration was wrong.
 */
export async function declareTopology(channel: AmqpChannel, topology: ConsumerTopology): Promise<string> {
  const label = topology.queue === '' ? 'a server-named queue' : `queue "${topology.queue}"`;
  let queue = topology.queue;
  const exchange = topology.exchange;
  if (exchange !== undefined) {
    await step(label, `declaring exchange "${exchange.name}"`, () =>
      channel.exchangeDeclare({
        exchange: exchange.name,
        exchangeType: exchange.type,
        durable: exchange.durable,
        autoDelete: exchange.autoDelete,
        internal: exchange.internal,
        arguments: exchange.arguments,
      }),
    );
  }
  const dlq = topology.deadLetterQueue;
  if (dlq !== undefined) {
    await step(label, `declaring its dead-letter queue "${dlq.name}"`, () =>
      channel.queueDeclare({ queue: dlq.name, durable: dlq.durable, exclusive: false, autoDelete: false, passive: false }),
    );
  }
  for (const retry of topology.retryQueues ?? []) {
    await step(label, `declaring its retry queue "${retry.name}"`, () =>
      channel.queueDeclare({
        queue: retry.name,
        durable: retry.durable,
        exclusive: false,
        autoDelete: false,
        passive: false,
        arguments: { 'x-message-ttl': retry.ttl, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue },
      }),
    );
  }
  const declaration = topology.declare;
  if (declaration !== false) {
    const ok = await step(label, declaration.passive ? 'checking it exists' : 'declaring it', () =>
      channel.queueDeclare({
        queue,
        passive: declaration.passive,
        durable: declaration.durable,
        exclusive: declaration.exclusive,
        autoDelete: declaration.autoDelete,
        arguments: declaration.arguments,
      }),
    );
    queue = ok.queue;
  }
  for (const binding of topology.bindings) {
    await step(label, `binding it to exchange "${binding.exchange}" with routing key "${binding.routingKey}"`, () =>
      channel.queueBind({
        queue,
        exchange: binding.exchange,
        routingKey: binding.routingKey,
        ...(binding.arguments === undefined ? {} : { arguments: binding.arguments }),
      }),
    );
  }
  return queue;
}

async function step<T>(label: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ChannelClosedError) {
      throw new ChannelClosedError(
        error.channel,
        {
          replyCode: error.replyCode,
          replyText: error.replyText,
          classId: error.classId,
          methodId: error.methodId,
          initiator: error.initiator,
        },
        `cannot start the consumer of ${label}: ${what} failed with ${error.replyCode} ${error.replyText}`,
      );
    }
    throw error;
  }
}
