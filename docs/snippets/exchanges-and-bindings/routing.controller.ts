import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const EVENTS = 'docs.exchanges-and-bindings.events'; // topic exchange, declared by AmqpModule
export const AUDIT = 'docs.exchanges-and-bindings.audit'; // headers exchange, declared by AmqpModule
export const INVOICES = 'docs.exchanges-and-bindings.invoices';

@Controller()
export class RoutingController {
  // The consumer declares its own exchange and binds its queue to it for each routing key.
  @QueueConsumer(INVOICES, {
    exchange: { name: EVENTS, type: 'topic' },
    routingKeys: ['invoice.created', 'invoice.paid'],
    // ...and to exchanges declared elsewhere: here a headers exchange, matching on two headers.
    bindings: [{ exchange: AUDIT, arguments: { 'x-match': 'all', kind: 'invoice', region: 'eu' } }],
  })
  onInvoice(@Payload() invoice: { id: string }, @Ctx() ctx: AmqpContext): void {
    console.log(
      `${INVOICES} got ${invoice.id} from ${ctx.fields.exchange} (${ctx.fields.routingKey || 'headers'})`,
    );
  }
}
