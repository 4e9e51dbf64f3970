import { InMemoryBroker } from 'nestjs-amqp-transport/testing';
import { INVOICES, ORDERS, SHIPPING } from './orders.controller.js';
import { startApp } from './start-app.js';

/** A consumer: a message in through its topic binding, the effect read back from the broker. */
export async function testConsumer(): Promise<unknown[]> {
  const broker = await InMemoryBroker.start();
  const app = await startApp(broker.url());
  try {
    broker.publish(ORDERS, 'order.created.eu', { id: 1, total: 30 });
    broker.publish(ORDERS, 'order.created.us', { id: 2, total: 40 }); // not bound: nobody gets it
    await broker.waitForHandled(SHIPPING, 1);
    return broker.published({ queue: INVOICES }).map((m) => m.json()); // [{ order: 1, amount: 30 }]
  } finally {
    await app.close();
    await broker.stop();
  }
}
