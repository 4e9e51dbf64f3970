import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpBatchContext, AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const names = {
  prices: 'docs.consumers.prices',
  rates: 'docs.consumers.rates',
  ratesExchange: 'docs.consumers.rates-exchange',
  payments: 'docs.consumers.payments',
  audit: 'docs.consumers.audit',
  clicks: 'docs.consumers.clicks',
};

@Controller()
export class ConsumersController {
  // RPC on a named queue: a message carrying replyTo is answered with the return value.
  @QueueConsumer(names.prices, { durable: false })
  price(@Payload() item: { sku: string }): { sku: string; cents: number } {
    return { sku: item.sku, cents: item.sku.length * 100 };
  }

  // RPC through a topic exchange: the binding decides which requests come here.
  @QueueConsumer(names.rates, {
    durable: false,
    exchange: { name: names.ratesExchange, type: 'topic', durable: false },
    routingKeys: 'rate.*',
  })
  rate(@Ctx() ctx: AmqpContext): number {
    return ctx.fields.routingKey === 'rate.eur' ? 1.08 : 1;
  }

  // A failure goes back to the queue up to 3 times (counted), then to docs.consumers.payments.dlq.
  @QueueConsumer(names.payments, { durable: false, onError: 'requeue', maxRedeliveries: 3 })
  pay(@Payload() payment: { id: string }, @Ctx() ctx: AmqpContext): void {
    console.log(`payment ${payment.id}: attempt ${Number(ctx.headers['x-redelivery-count'] ?? 0) + 1}`);
    throw new Error('card declined');
  }

  // Up to 50 messages per call, or what arrived within 200 ms; acked together after success.
  @QueueConsumer(names.audit, { durable: false, batch: { size: 50, timeout: 200 } })
  audit(@Payload() entries: unknown[], @Ctx() ctx: AmqpBatchContext): void {
    console.log(`audit: a batch of ${entries.length} (${ctx.size} messages)`);
  }

  // A stream read from its first message; a failure is logged and skipped, never nacked.
  @QueueConsumer(names.clicks, { stream: { offset: 'first', maxAge: '1D' } })
  click(@Payload() click: { page: string }, @Ctx() ctx: AmqpContext): void {
    console.log(`click on ${click.page} at offset ${ctx.streamOffset}`);
  }
}
