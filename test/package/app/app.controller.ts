import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';
import { CONSUMER_QUEUE } from './names.js';
import { Received } from './received.js';

@Controller()
export class AppController {
  constructor(private readonly received: Received) {}

  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @EventPattern('order.created')
  onOrderCreated(@Payload() order: { id: string }): void {
    this.received.add(`event ${order.id}`);
  }

  @QueueConsumer(CONSUMER_QUEUE, {
    durable: false,
    autoDelete: true,
    unwrapNestEnvelope: true,
    deadLetterQueue: false, // a test queue: nothing of it stays on the broker
  })
  onConsumed(@Payload() job: { id: string }, @Ctx() context: AmqpContext): void {
    this.received.add(`consumer ${job.id} from ${context.getMessage().fields.routingKey}`);
  }
}
