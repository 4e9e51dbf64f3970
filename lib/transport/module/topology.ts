import { InvalidArgumentError } from '../../protocol/index.js';
import type { AmqpChannel } from '../connection/connection-host.js';
import type { AmqpTopology } from '../options/amqp-module.options.js';

/**
 * Declares exchanges, then queues, then bindings, one after the other on `channel`. A refused
 * declaration (406 inequivalent arguments, 404 missing exchange) rejects with the broker's error,
 * prefixed with what was being declared.
 */
export async function declareTopology(channel: AmqpChannel, topology: AmqpTopology): Promise<void> {
  for (const exchange of topology.exchanges ?? []) {
    await named(`exchange "${exchange.name}"`, () =>
      channel.exchangeDeclare({
        exchange: exchange.name,
        exchangeType: exchange.type ?? 'direct',
        durable: exchange.durable ?? true,
        autoDelete: exchange.autoDelete ?? false,
        internal: exchange.internal ?? false,
        arguments: exchange.arguments ?? {},
      }),
    );
  }
  for (const queue of topology.queues ?? []) {
    await named(`queue "${queue.name}"`, () =>
      channel.queueDeclare({
        queue: queue.name,
        durable: queue.durable ?? true,
        exclusive: queue.exclusive ?? false,
        autoDelete: queue.autoDelete ?? false,
        arguments: queue.arguments ?? {},
      }),
    );
  }
  for (const binding of topology.bindings ?? []) {
    const routingKey = binding.routingKey ?? '';
    const args = binding.arguments ?? {};
    if (binding.queue !== undefined && binding.destinationExchange === undefined) {
      const queue = binding.queue;
      await named(`binding of queue "${queue}" to exchange "${binding.exchange}"`, () =>
        channel.queueBind({ queue, exchange: binding.exchange, routingKey, arguments: args }),
      );
    } else if (binding.destinationExchange !== undefined && binding.queue === undefined) {
      const destination = binding.destinationExchange;
      await named(`binding of exchange "${destination}" to exchange "${binding.exchange}"`, () =>
        channel.exchangeBind({ destination, source: binding.exchange, routingKey, arguments: args }),
      );
    } else {
      throw new InvalidArgumentError(
        'bindings',
        `a binding from exchange "${binding.exchange}" needs exactly one of queue or destinationExchange`,
      );
    }
  }
}

async function named<T>(what: string, declare: () => Promise<T>): Promise<T> {
  try {
    return await declare();
  } catch (error) {
    if (error instanceof Error) error.message = `declaring ${what} failed: ${error.message}`;
    throw error;
  }
}
