import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { AmqpContext } from 'nestjs-amqp-transport';

@Controller()
export class OrdersController {
  private readonly logger = new Logger('OrdersController');

  @MessagePattern('orders.total')
  total(@Payload() amounts: number[]): number {
    return amounts.reduce((sum, amount) => sum + amount, 0);
  }

  // With `wildcards`, 'orders.created' and 'orders.shipped' both land here.
  @EventPattern<string>('orders.*')
  onOrderEvent(@Payload() order: { id: string }, @Ctx() context: AmqpContext): void {
    this.logger.log(`${context.getPattern()} ${order.id}`);
    // The Nest docs' manual ack runs unchanged (noAck: false).
    context.getChannelRef().ack(context.getMessage());
  }
}
