import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AMQP_TRANSPORT } from '../server/amqp-transport.js';
import { HandlerErrorCapture } from '../server/failure/handler-error-capture.js';
import {
  QUEUE_CONSUMER_EXTRAS_KEY,
  QUEUE_CONSUMER_METADATA,
  validateQueueConsumerOptions,
  type QueueConsumerMetadata,
} from './queue-consumer.metadata.js';
import type { QueueConsumerOptions } from './queue-consumer.options.js';

/**
 * Consumes `queue` with the decorated controller method. ServerAMQP opens a channel for it, declares
 * the queue (and exchange/bindings), sets the prefetch and consumes, in that order, at `listen`.
 *
 * It is a Nest event handler underneath (bound to ServerAMQP only), so pipes, guards, interceptors,
 * exception filters, `@Payload()` and `@Ctx()` (an {@link AmqpContext}) work as on any handler.
 * By default a message is acked once the handler succeeds and nacked without requeue when it fails.
 *
 * @example
 * ```ts
 * @QueueConsumer('orders', { durable: true, deadLetterExchange: 'orders.dlx', prefetch: 20 })
 * onOrder(@Payload() order: Order, @Ctx() ctx: AmqpContext) {}
 * ```
 */
export function QueueConsumer(queue: string, options: QueueConsumerOptions = {}): MethodDecorator {
  validateQueueConsumerOptions(queue, options);
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    // One pattern per method: two methods on one queue are two competing consumers, not a chain.
    const metadata: QueueConsumerMetadata = {
      queue,
      options: { ...options },
      pattern: `amqp-queue-consumer:${queue}:${owner}.${String(key)}`,
    };
    const decorators = [
      SetMetadata(QUEUE_CONSUMER_METADATA, metadata),
      EventPattern<string>(metadata.pattern, AMQP_TRANSPORT, { [QUEUE_CONSUMER_EXTRAS_KEY]: metadata }),
    ];
    // An onError function decides on the error the handler threw, not on what the filters made of it.
    if (typeof options.onError === 'function') decorators.push(UseInterceptors(new HandlerErrorCapture()));
    return applyDecorators(...decorators)(target, key, descriptor);
  };
}
