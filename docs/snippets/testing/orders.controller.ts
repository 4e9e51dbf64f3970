import { Controller, Inject, Module, type DynamicModule } from '@nestjs/common';
import { ClientsModule, MessagePattern, Payload } from '@nestjs/microservices';
import { AmqpModule, AmqpPublisher, ClientAMQP, QueueConsumer } from 'nestjs-amqp-transport';

export const ORDERS = 'docs.testing.orders'; // a topic exchange
export const SHIPPING = 'docs.testing.shipping';
export const FAILED = 'docs.testing.failed'; // the dead-letter exchange (fanout)
export const INVOICES = 'docs.testing.invoices';
export const RPC = 'docs.testing.rpc';

/** The app under test: a consumer that retries then dead-letters, a publisher, an RPC. */
@Controller()
export class OrdersController {
  constructor(@Inject(AmqpPublisher) private readonly publisher: AmqpPublisher) {}

  @QueueConsumer(SHIPPING, {
    exchange: { name: ORDERS, type: 'topic' },
    routingKeys: 'order.*.eu',
    deadLetterExchange: FAILED,
    retry: { attempts: 2, delay: 10 },
  })
  async ship(@Payload() order: { id: number; total: number }): Promise<void> {
    if (order.total < 0) throw new Error(`order ${order.id}: negative total`);
    await this.publisher.sendToQueue(INVOICES, { order: order.id, amount: order.total });
  }

  @MessagePattern('quote')
  quote(@Payload() items: number[]): number {
    return items.reduce((sum, price) => sum + price, 0);
  }
}

/** The app's module, pointed at a broker URL (the in-memory broker's, or a real one). */
export function ordersModule(url: string): DynamicModule {
  @Module({})
  class OrdersModule {}
  return {
    module: OrdersModule,
    imports: [
      AmqpModule.forRoot({ urls: [url], exchanges: [{ name: FAILED, type: 'fanout' }], queues: [{ name: INVOICES }] }),
      ClientsModule.register([{ name: 'QUOTES', customClass: ClientAMQP, options: { urls: [url], queue: RPC } }]),
    ],
    controllers: [OrdersController],
  };
}
