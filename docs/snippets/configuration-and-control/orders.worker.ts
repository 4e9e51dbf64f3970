import { Injectable } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

// A plain provider: AmqpModule finds its @QueueConsumer methods when the app starts.
@Injectable()
export class OrdersWorker {
  readonly seen: string[] = [];

  // Queue, prefetch and retry come from the `orders` entry of the module's `consumers`;
  // the options given here are defaults the entry can override.
  @QueueConsumer({ config: 'orders' }, { durable: false })
  onOrder(@Payload() order: { id: string }, @Ctx() ctx: AmqpContext): void {
    this.seen.push(`order ${order.id} from ${ctx.getMessage().fields.routingKey}`);
  }
}
