import { Controller, Inject } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AmqpPublisher, QueueConsumer } from 'nestjs-amqp-transport';

export const ORDERS = 'docs.testing.orders';
export const INVOICES = 'docs.testing.invoices';

/** Consumes orders and publishes an invoice for each. */
@Controller()
export class OrdersController {
  constructor(@Inject(AmqpPublisher) private readonly publisher: AmqpPublisher) {}

  @QueueConsumer(ORDERS)
  async onOrder(@Payload() order: { id: string; total: number }): Promise<void> {
    await this.publisher.sendToQueue(INVOICES, { order: order.id, amount: order.total });
  }
}
