import { applyDecorators, Logger, SetMetadata, UseInterceptors } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AMQP_TRANSPORT } from '../core/amqp-transport.js';
import { HandlerErrorCapture } from './handler-error-capture.js';
import {
  QUEUE_CONSUMER_EXTRAS_KEY,
  QUEUE_CONSUMER_METADATA,
  validateQueueConsumerOptions,
  type QueueConsumerMetadata,
} from './queue-consumer.metadata.js';
import type { QueueConsumerOptions } from '../options/queue-consumer.options.js';
import type { QueueConsumerConfigRef } from '../options/amqp-consumer.config.js';
import { InvalidArgumentError } from '../../protocol/errors.js';
import { recordDecoratedConsumer } from './decorated-consumers.js';
import { readQueueConsumerOptions } from '../options/queue-consumer-options.reader.js';
import { logOptionWarnings, type OptionWarnings } from '../options/option-warnings.js';

/** One interceptor instance for every consumer (it holds no state of its own). */
const CAPTURE = new HandlerErrorCapture();

/**
 * Consumes `queue` with the decorated method. On a controller ServerAMQP runs it: it opens a channel
 * for it, declares the queue (and exchange/bindings), sets the prefetch and consumes, in that order,
 * at `listen`. On a provider AmqpModule runs it the same way when the app starts, on the connection
 * named by the `connection` option (the unnamed one by default).
 *
 * Either way pipes, guards, interceptors, exception filters, `@Payload()` and `@Ctx()` (an
 * {@link AmqpContext}) work as on any Nest handler.
 * By default a message is acked once the handler succeeds and nacked without requeue when it fails.
 *
 * @example
 * ```ts
 * @QueueConsumer('orders', { durable: true, deadLetterExchange: 'orders.dlx', prefetch: 20 })
 * onOrder(@Payload() order: Order, @Ctx() ctx: AmqpContext) {}
 * ```
 */
export function QueueConsumer(queue: string, options?: QueueConsumerOptions): MethodDecorator;
/**
 * Consumes the queue that the `consumers` entry `config` names, resolved at start-up (from
 * `AmqpModule.forRoot/forRootAsync({ consumers })` for a provider, ServerAMQP's `consumers` for a
 * controller); `defaults` lie under the entry's options. A missing entry fails start-up naming it.
 *
 * @example
 * ```ts
 * @QueueConsumer({ config: 'orders' }, { prefetch: 20 })
 * onOrder(@Payload() order: Order) {}
 * ```
 */
export function QueueConsumer(ref: QueueConsumerConfigRef, defaults?: QueueConsumerOptions): MethodDecorator;
export function QueueConsumer(queueOrRef: string | QueueConsumerConfigRef, given: QueueConsumerOptions = {}): MethodDecorator {
  const config = typeof queueOrRef === 'object' && queueOrRef !== null ? queueOrRef.config : undefined;
  if (typeof queueOrRef === 'object' && queueOrRef !== null && (typeof config !== 'string' || config === '')) {
    throw new InvalidArgumentError('config', `must be a non-empty string, got ${String(config)}`);
  }
  const queue = config === undefined ? queueOrRef : '';
  // Checked by the same reader as `consumers` entries: a typo fails when the class loads.
  const ignored: OptionWarnings = [];
  const options = readQueueConsumerOptions('', given, ignored);
  validateQueueConsumerOptions(queue, options);
  logOptionWarnings(new Logger('QueueConsumer'), 'QueueConsumer', ignored);
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    // One pattern per method: two methods on one queue are two competing consumers, not a chain.
    const metadata: QueueConsumerMetadata = {
      queue: queue as string,
      options: { ...options },
      pattern: `amqp-queue-consumer:${config === undefined ? (queue as string) : `config=${config}`}:${owner}.${String(key)}`,
      ...(config === undefined ? {} : { config }),
    };
    recordDecoratedConsumer(metadata);
    const decorators = [
      SetMetadata(QUEUE_CONSUMER_METADATA, metadata),
      EventPattern<string>(metadata.pattern, AMQP_TRANSPORT, { [QUEUE_CONSUMER_EXTRAS_KEY]: metadata }),
    ];
    // An onError function decides on the error the handler threw, and a dead letter names it, not what
    // the filters made of it ('Internal server error').
    decorators.push(UseInterceptors(CAPTURE));
    return applyDecorators(...decorators)(target, key, descriptor);
  };
}
