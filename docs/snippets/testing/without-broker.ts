import { Test } from '@nestjs/testing';
import { AmqpPublisher } from 'nestjs-amqp-transport';
import { OrdersController } from './orders.controller.js';

/**
 * A unit test needs no broker: the handler is a method, and AmqpPublisher is replaced by a stand-in
 * that records what would have been sent. (In a jest spec: the body of an `it`.)
 */
export async function testWithoutBroker(): Promise<unknown[]> {
  const sent: unknown[] = [];
  const moduleRef = await Test.createTestingModule({
    controllers: [OrdersController],
    providers: [
      {
        provide: AmqpPublisher,
        useValue: { sendToQueue: async (_q: string, m: unknown) => void sent.push(m) },
      },
    ],
  }).compile();
  await moduleRef.get(OrdersController).onOrder({ id: 'o-1', total: 10 });
  await moduleRef.close();
  return sent; // [{ order: 'o-1', amount: 10 }]
}
