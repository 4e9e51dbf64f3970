import type { QueueConsumerOptions } from './queue-consumer.options.js';

/**
 * One named consumer setting: the queue and every option `@QueueConsumer` takes. A method decorated
 * `@QueueConsumer({ config: 'orders' })` is configured by the entry `orders` at start-up, so queue
 * names, bindings, prefetch, retry and error policy can come from ConfigService per environment.
 */
export interface AmqpConsumerConfig extends QueueConsumerOptions {
  /** The queue to consume ('' = a server-named queue). */
  queue: string;
}

/** Named consumer settings: `AmqpModule.forRoot({ consumers })`, `new ServerAMQP({ consumers })`. */
export type AmqpConsumersConfig = Record<string, AmqpConsumerConfig>;

/** What `@QueueConsumer({ config })` takes instead of a queue name. */
export interface QueueConsumerConfigRef {
  /** The key of the entry in the `consumers` settings. */
  config: string;
}
