import { Injectable } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const EXCHANGE = 'docs.migrating-from-golevelup.events';

// Was: @RabbitSubscribe({ exchange, routingKey: ['order.created', 'order.paid'], queue }) on a service.
// Same place (a provider), same topology; the queue's options sit beside the binding.
@Injectable()
export class OrdersService {
  readonly log: string[] = [];

  @QueueConsumer('docs.migrating-from-golevelup.orders', {
    durable: false,
    exchange: { name: EXCHANGE, type: 'topic', durable: false },
    routingKeys: ['order.created', 'order.paid'],
    prefetch: 20,
  })
  onOrderEvent(@Payload() order: { id: string }, @Ctx() ctx: AmqpContext): void {
    this.log.push(`${ctx.getMessage().fields.routingKey} ${order.id}`);
  }

  // Was: @RabbitSubscribe({ name: 'invoices' }) with `handlers: { invoices: {...} }` in the module config.
  @QueueConsumer({ config: 'invoices' }, { durable: false })
  onInvoice(@Payload() invoice: { id: string }): void {
    this.log.push(`invoice ${invoice.id}`);
  }
}
