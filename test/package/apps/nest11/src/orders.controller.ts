import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpContext, AmqpPublisher, QueueConsumer } from 'nestjs-amqp-transport';
import { FAILED_EXCHANGE, INVOICES_QUEUE, ORDERS_EXCHANGE, PARKED_QUEUE, RETRY_DELAY_MS, SHIPPING_QUEUE } from './orders.names';
import { OrdersRecord } from './orders.record';

export interface Order {
  id: number;
  total: number;
}

/**
 * Orders: a consumer on a topic binding that ships European orders (an invoice published for each)
 * and retries a failing one twice before it is dead-lettered, a consumer parking what was
 * dead-lettered, and an RPC quoting a price.
 */
@Controller()
export class OrdersController {
  constructor(
    @Inject(AmqpPublisher) private readonly publisher: AmqpPublisher,
    @Inject(OrdersRecord) private readonly record: OrdersRecord,
  ) {}

  @QueueConsumer(SHIPPING_QUEUE, {
    exchange: { name: ORDERS_EXCHANGE, type: 'topic' },
    routingKeys: 'order.*.eu',
    deadLetterExchange: FAILED_EXCHANGE,
    retry: { attempts: 2, delay: RETRY_DELAY_MS },
  })
  async ship(@Payload() order: Order): Promise<void> {
    this.record.attempts.set(order.id, (this.record.attempts.get(order.id) ?? 0) + 1);
    if (order.total < 0) throw new Error(`order ${order.id}: negative total`);
    await this.publisher.sendToQueue(INVOICES_QUEUE, { order: order.id, amount: order.total });
    this.record.shipped.push(order.id);
  }

  @QueueConsumer(PARKED_QUEUE, { exchange: { name: FAILED_EXCHANGE, type: 'fanout' }, routingKeys: '' })
  park(@Payload() order: Order, @Ctx() context: AmqpContext): void {
    const death = (context.headers['x-death'] as { reason?: unknown }[] | undefined)?.[0];
    this.record.parked.push({ id: order.id, reason: death?.reason, retries: context.headers['x-retry-count'] });
  }

  @MessagePattern('quote')
  quote(@Payload() prices: number[]): number {
    return prices.reduce((sum, price) => sum + price, 0);
  }
}
