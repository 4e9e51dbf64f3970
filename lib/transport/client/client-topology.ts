import type { AmqpConnectionHost } from '../connection/connection-host.js';
import type { AmqpClientOptions } from '../options/amqp-client.options.js';

/**
 * ClientRMQ's set-up: with `wildcards` or fanout, the exchange (durable, `exchangeType`,
 * `exchangeArguments`); otherwise the queue (unless `noAssert`), bound to `exchange` with
 * `routingKey` when both are given.
 */
export async function declareClientTopology(
  host: AmqpConnectionHost,
  options: AmqpClientOptions,
  queue: string,
  publishesToExchange: boolean,
): Promise<void> {
  const { noAssert: queueNoAssert, ...queueOptions } = options.queueOptions ?? {};
  const declareQueue = !publishesToExchange && !(options.noAssert ?? queueNoAssert ?? false) && queue !== '';
  const bind =
    !publishesToExchange && options.exchange !== undefined && options.exchange !== '' && options.routingKey;
  if (!publishesToExchange && !declareQueue && !bind) return;
  // A scratch channel: a refused declaration (406) closes it, not the client's working channels.
  const channel = await host.channel();
  try {
    if (publishesToExchange) {
      await channel.exchangeDeclare({
        exchange: options.exchange ?? queue,
        exchangeType: options.exchangeType ?? 'topic',
        durable: true,
        arguments: { ...(options.exchangeArguments ?? {}) },
      });
      return;
    }
    if (declareQueue) await channel.queueDeclare({ queue: queue, durable: true, ...queueOptions });
    if (bind)
      await channel.queueBind({
        queue: queue,
        exchange: options.exchange as string,
        routingKey: options.routingKey as string,
      });
  } finally {
    if (channel.isOpen) await channel.close();
  }
}
