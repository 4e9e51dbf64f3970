/**
 * A small app as a team would write it: a @QueueConsumer on a topic binding that retries twice then
 * dead-letters, a parking consumer on the dead-letter exchange, an RPC @MessagePattern on
 * ServerAMQP's queue, and AmqpPublisher publishing an invoice for every order. The app test runs it
 * on the in-memory broker and on RabbitMQ with the same test body.
 */
import { Controller, Inject, Module, type INestMicroservice } from '@nestjs/common';
import { ClientsModule, Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AmqpContext, AmqpModule, AmqpPublisher, ClientAMQP, QueueConsumer, ServerAMQP } from '../../../lib/index.js';

export const ORDERS_EXCHANGE = 'app.orders';
export const SHIPPING = 'app.shipping';
export const DEAD_LETTERS = 'app.dead-letters';
export const PARKED = 'app.parked';
export const INVOICES = 'app.invoices';
export const RPC = 'app.rpc';

export interface Order {
  id: number;
  poison?: boolean;
}

/** What the app did, as its handlers record it. */
export class AppRecord {
  readonly attempts = new Map<number, number>();
  readonly parked: { id: number; reason: unknown; retries: unknown }[] = [];
}

@Controller()
export class OrdersController {
  constructor(
    @Inject(AmqpPublisher) private readonly publisher: AmqpPublisher,
    @Inject(AppRecord) private readonly record: AppRecord,
  ) {}

  @QueueConsumer(SHIPPING, {
    exchange: { name: ORDERS_EXCHANGE, type: 'topic' },
    routingKeys: 'order.*.eu',
    deadLetterExchange: DEAD_LETTERS,
    retry: { attempts: 2, delay: 5 },
  })
  async ship(@Payload() order: Order): Promise<void> {
    this.record.attempts.set(order.id, (this.record.attempts.get(order.id) ?? 0) + 1);
    if (order.poison === true) throw new Error(`order ${order.id} cannot ship`);
    await this.publisher.sendToQueue(INVOICES, { order: order.id });
  }

  @QueueConsumer(PARKED, { exchange: { name: DEAD_LETTERS, type: 'fanout' }, routingKeys: '' })
  park(@Payload() order: Order, @Ctx() ctx: AmqpContext): void {
    const death = (ctx.headers['x-death'] as { reason?: unknown }[] | undefined)?.[0];
    this.record.parked.push({ id: order.id, reason: death?.reason, retries: ctx.headers['x-retry-count'] });
  }

  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

/** Builds and starts the app against `url`; returns it with the record its handlers write. */
export async function startOrdersApp(url: string): Promise<{ app: INestMicroservice; record: AppRecord; math: ClientAMQP; server: ServerAMQP }> {
  @Module({
    imports: [
      AmqpModule.forRoot({ urls: [url], queues: [{ name: INVOICES }] }),
      ClientsModule.register([{ name: 'MATH', customClass: ClientAMQP, options: { urls: [url], queue: RPC } }]),
    ],
    controllers: [OrdersController],
    providers: [AppRecord],
  })
  class AppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const server = new ServerAMQP({ urls: [url], queue: RPC });
  const app = moduleRef.createNestMicroservice({ strategy: server, logger: false });
  await app.listen();
  return { app, record: app.get(AppRecord), math: app.get<ClientAMQP>('MATH'), server };
}
