/**
 * Declares the recorded topology again on a new connection: exchanges, queues (a server-named one
 * gets a new name, which is mapped), bindings, then consumers on their own recovered channels.
 *
 * Declarations run on a channel of their own, so a failed one (a 406 on re-declare) closes only that
 * channel: it is reported, a fresh one is opened, and the rest goes on. Before a consumer is started
 * on its user's channel its queue is checked (passive declare) on that same throwaway channel, because
 * a consume on a missing queue would close the user's channel. A 405 RESOURCE_LOCKED (an exclusive
 * queue or consumer still held by the dead connection, which the broker has not noticed yet) aborts
 * the attempt instead: the next attempt, after the backoff, usually finds it free.
 */
import { AMQPError, ChannelClosedError, ConnectionLostError } from '../errors.js';
import type { EngineChannel, EngineConnection, FieldTable } from './engine-port.js';
import type { RecoveringChannel, RecoveringDeliveryCallback } from './recovering-channel.js';
import type { TopologyRecord } from './topology-record.js';

/** Where the restorer reports what it could not restore and which queues were renamed. */
export interface RestoreReporter {
  error(error: AMQPError, what: string): void;
  renamed(oldName: string, newName: string): void;
}

type Record = TopologyRecord<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>;

/** RESOURCE_LOCKED: held by the dead connection until the broker notices it is gone. */
export function isRetryLater(error: unknown): boolean {
  return error instanceof ChannelClosedError && error.replyCode === 405;
}

export function asAMQPError(error: unknown): AMQPError {
  if (error instanceof AMQPError) return error;
  return new ConnectionLostError(error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * Restores `record` on `engine`. Throws when the connection dies or a resource is still locked (the
 * attempt fails and is retried); anything else is reported and skipped.
 */
export async function restoreTopology(
  engine: EngineConnection,
  record: Record,
  report: RestoreReporter,
): Promise<void> {
  let channel: EngineChannel = await engine.channel();
  const step = async (what: string, op: (ch: EngineChannel) => Promise<unknown>): Promise<boolean> => {
    try {
      await op(channel);
      return true;
    } catch (error) {
      if (!engine.isOpen || isRetryLater(error)) throw error;
      report.error(asAMQPError(error), what);
      if (!channel.isOpen) channel = await engine.channel();
      return false;
    }
  };

  for (const exchange of record.exchanges()) {
    await step(`exchange ${exchange.exchange}`, (ch) => ch.exchangeDeclare({ ...exchange }));
  }
  for (const queue of record.queues()) {
    await step(`queue ${queue.name}`, async (ch) => {
      const { name, serverNamed, ...options } = queue;
      const ok = await ch.queueDeclare({ ...options, queue: serverNamed ? '' : name });
      if (serverNamed && ok.queue !== name) {
        record.renameQueue(name, ok.queue);
        report.renamed(name, ok.queue);
      }
    });
  }
  for (const binding of record.bindings()) {
    const args = { routingKey: binding.routingKey, arguments: binding.arguments };
    await step(`binding ${binding.source} -> ${binding.destination}`, (ch) =>
      binding.kind === 'queue'
        ? ch.queueBind({ ...args, queue: binding.destination, exchange: binding.source })
        : ch.exchangeBind({ ...args, destination: binding.destination, source: binding.source }),
    );
  }
  for (const consumer of record.consumers()) {
    if (consumer.owner.state !== 'SUSPENDED') continue;
    const what = `consumer ${consumer.consumerTag} on ${consumer.queue}`;
    if (!(await step(what, (ch) => ch.queueDeclare({ queue: consumer.queue, passive: true })))) {
      // The queue is gone (deleted by someone else): the consumer cannot come back.
      record.removeConsumer(consumer.owner, consumer.consumerTag);
      continue;
    }
    try {
      await consumer.owner.restoreConsumer(consumer);
    } catch (error) {
      if (!engine.isOpen || isRetryLater(error)) throw error;
      report.error(asAMQPError(error), what);
    }
  }
  if (channel.isOpen) await channel.close().catch(() => undefined);
}
