import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpContext, QueueConsumer } from 'nestjs-amqp-transport';

export const PAYMENTS = 'docs.dead-lettering-and-retry.payments';
export const DEAD_LETTERS = 'docs.dead-lettering-and-retry.dead-letters'; // a fanout exchange
export const PARKED = 'docs.dead-lettering-and-retry.parked'; // where failed payments end up

@Controller()
export class PaymentsController {
  static parked: unknown[] = [];

  @QueueConsumer(PAYMENTS, {
    // A message whose handler throws is nacked without requeue: the broker sends it to this exchange.
    deadLetterExchange: DEAD_LETTERS,
    // Before that, two more tries, 100 ms then 200 ms later (counted in the x-retry-count header).
    retry: { attempts: 2, delay: 100, backoff: 2 },
  })
  charge(@Payload() payment: { id: string }, @Ctx() ctx: AmqpContext): void {
    console.log(`charge ${payment.id}: attempt ${ctx.retryCount + 1}`);
    throw new Error('card declined');
  }

  // The parking queue, bound to the dead-letter exchange: inspect, alert, replay by hand.
  @QueueConsumer(PARKED, { exchange: { name: DEAD_LETTERS, type: 'fanout' }, routingKeys: '' })
  park(@Payload() payment: { id: string }, @Ctx() ctx: AmqpContext): void {
    const death = (ctx.headers['x-death'] as { reason?: string }[] | undefined)?.[0];
    console.log(`parked ${payment.id} (reason: ${death?.reason ?? 'unknown'})`);
    PaymentsController.parked.push(payment);
  }
}
