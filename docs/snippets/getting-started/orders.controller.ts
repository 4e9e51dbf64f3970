import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';
import { ORDERS_EXCHANGE, ORDERS_QUEUE } from './names.js';

export interface Order {
  id: string;
  total: number;
}

@Controller()
export class OrdersController {
  // Declares the queue, binds it to the exchange for every `order.*` key, consumes it. The message is
  // acked once this method returns, and dead-lettered (never requeued forever) when it throws.
  @QueueConsumer(ORDERS_QUEUE, {
    durable: true,
    exchange: { name: ORDERS_EXCHANGE, type: 'topic' },
    routingKeys: 'order.*',
    prefetch: 20,
  })
  onOrderEvent(@Payload() order: Order, @Ctx() ctx: AmqpContext): void {
    console.log(`queue consumer: ${ctx.fields.routingKey} ${order.id} (${order.total})`);
  }

  // Request/response on the server's default queue, in Nest's RMQ wire format.
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((total, n) => total + n, 0);
  }

  // A fire-and-forget event on the same default queue.
  @EventPattern('order.shipped')
  onShipped(@Payload() order: Order): void {
    console.log(`event handler: order.shipped ${order.id}`);
  }
}
