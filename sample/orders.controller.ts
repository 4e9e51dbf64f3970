import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from '../lib/index.js';
import { ReceivedLog } from './received-log.js';
import { ORDERS_EXCHANGE, TEST_QUEUE } from './sample.config.js';

/** The message side of the app: a queue consumer, an RPC handler and an event handler. */
@Controller()
export class OrdersController {
  constructor(@Inject(ReceivedLog) private readonly log: ReceivedLog) {}

  /** Declares the durable queue 'test' (bound to the orders exchange), consumes it, acks after return. */
  @QueueConsumer(TEST_QUEUE, {
    durable: true,
    exchange: { name: ORDERS_EXCHANGE, type: 'topic' },
    routingKeys: 'orders.*',
    prefetch: 20,
  })
  onTest(@Payload() payload: unknown, @Ctx() ctx: AmqpContext): void {
    this.log.add(`queue ${TEST_QUEUE} (routing key ${ctx.getMessage().fields.routingKey})`, payload);
  }

  /** RPC on the server's default queue, Nest's wire format. */
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((total, n) => total + n, 0);
  }

  @EventPattern('order.created')
  onOrderCreated(@Payload() order: { id: string }): void {
    this.log.add('event order.created', order);
  }
}
