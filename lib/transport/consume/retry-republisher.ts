import type { FieldTable } from '../../protocol/index.js';
import { type AmqpMessage } from '../core/amqp.context.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import { ORIGINAL_EXCHANGE_HEADER, ORIGINAL_ROUTING_KEY_HEADER, RETRY_COUNT_HEADER } from '../core/message-headers.js';


/**
 * Retry by republishing, chosen over a delay queue: it needs no extra queues or policies on the
 * broker, works for every queue type, and the count travels in the message, so a poison message
 * stops after `attempts` whichever consumer gets it. The copy goes to the tail of the same queue via
 * the default exchange with `x-retry-count` raised; the channel is in confirm mode, so the caller
 * acks the original only after the broker confirmed the copy (a crash in between duplicates, never
 * loses). The cost: the original holds a prefetch slot during the delay.
 */
export async function republishForRetry(channel: AmqpChannel, queue: string, message: AmqpMessage, attempt: number): Promise<void> {
  const headers: FieldTable = { ...message.properties.headers, [RETRY_COUNT_HEADER]: attempt };
  if (headers[ORIGINAL_EXCHANGE_HEADER] === undefined) headers[ORIGINAL_EXCHANGE_HEADER] = message.fields.exchange;
  if (headers[ORIGINAL_ROUTING_KEY_HEADER] === undefined) headers[ORIGINAL_ROUTING_KEY_HEADER] = message.fields.routingKey;
  await channel.basicPublish('', queue, message.content, { ...message.properties, headers });
}

/**
 * Waits `ms`, or less once `signal` aborts (shutdown): a pending retry is then republished at once
 * so its original can be acked before the channel closes.
 */
export function retryDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
