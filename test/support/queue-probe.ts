/**
 * A queue's ready-message count and consumer count as the broker reports them to a passive
 * queue.declare (declare-ok), asked on one long-lived amqplib connection per vhost of the test
 * process: the same truth as `rabbitmqctl list_queues messages_ready consumers`, for a few
 * milliseconds instead of an Erlang VM boot, for classic and quorum queues. Not for streams: their
 * declare-ok says 0 consumers whatever consumes them. Unacked counts, arguments, durability and
 * type are only in rabbitmqctl's listing (broker-queues.ts).
 */
import amqplib from 'amqplib';
import { brokerUrl, brokerVhost } from './broker-url.js';

/** What declare-ok says about a queue. */
export interface QueueCounts {
  /** Ready messages (not the unacknowledged ones). */
  messageCount: number;
  consumerCount: number;
}

const connections = new Map<string, Promise<amqplib.ChannelModel>>();

function connectionFor(vhost: string): Promise<amqplib.ChannelModel> {
  let connection = connections.get(vhost);
  if (connection === undefined) {
    const url = new URL(brokerUrl());
    url.pathname = `/${encodeURIComponent(vhost)}`;
    // no heartbeat timers: with its socket unref'd, nothing of the probe keeps a test process alive
    url.searchParams.set('heartbeat', '0');
    connection = amqplib
      .connect(url.toString(), { clientProperties: { connection_name: `test-queue-probe-${process.pid}` } })
      .then((model) => {
        // it must not keep a Jest worker alive, and a broker-side close only means "open another"
        (model.connection as unknown as { stream?: { unref?: () => void } }).stream?.unref?.();
        model.on('error', () => undefined);
        model.on('close', () => connections.delete(vhost));
        return model;
      });
    connection.catch(() => connections.delete(vhost));
    connections.set(vhost, connection);
  }
  return connection;
}

/** The queue's counts (in AMQP_URL's vhost unless given), or undefined when it does not exist (404 to the passive declare). */
export async function queueCounts(queue: string, vhost = brokerVhost()): Promise<QueueCounts | undefined> {
  const channel = await (await connectionFor(vhost)).createChannel();
  channel.on('error', () => undefined);
  try {
    const ok = await channel.checkQueue(queue);
    return { messageCount: ok.messageCount, consumerCount: ok.consumerCount };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
