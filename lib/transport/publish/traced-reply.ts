import { isPublishWritten } from '../../protocol/channel/publish-written.js';
import type { BasicProperties } from '../../protocol/index.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { telemetry } from '../telemetry/telemetry.js';

/**
 * Publishes the reply to a request (to `replyTo`, through the default exchange), for
 * `@MessagePattern` and `@QueueConsumer` alike. With telemetry on, the reply carries the trace
 * context of the delivery it answers (its process span) and a failed write is recorded on that span;
 * a reply written at once (most) gets no handler.
 */
export function publishReply(channel: AmqpChannel, replyTo: string, body: Buffer, properties: BasicProperties): Promise<void> {
  if (telemetry === undefined || !telemetry.active) return channel.basicPublish('', replyTo, body, properties);
  const published = channel.basicPublish('', replyTo, body, telemetry.reply(properties));
  if (isPublishWritten(published)) return published;
  return published.catch(replyFailed);
}

function replyFailed(error: unknown): never {
  telemetry?.replyFailed(error);
  throw error;
}
