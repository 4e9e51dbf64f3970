import { Inject, Injectable } from '@nestjs/common';
import { AmqpPublisher } from '../lib/index.js';
import { ORDERS_EXCHANGE, TEST_QUEUE } from './sample.config.js';

/** Publishes from a provider: each call resolves once the broker has confirmed the message. */
@Injectable()
export class OrdersService {
  // Explicit @Inject: tsx (esbuild) does not emit the constructor type metadata Nest would read.
  constructor(@Inject(AmqpPublisher) private readonly publisher: AmqpPublisher) {}

  /** Straight to the queue through the default exchange. */
  sendToTest(payload: unknown): Promise<void> {
    return this.publisher.sendToQueue(TEST_QUEUE, payload, { persistent: true });
  }

  /** Through the topic exchange; the 'test' queue is bound for 'orders.*'. */
  publishOrder(kind: string, order: { id: string }): Promise<void> {
    return this.publisher.publish(ORDERS_EXCHANGE, `orders.${kind}`, order, { persistent: true });
  }
}
