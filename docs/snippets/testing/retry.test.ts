import { InMemoryBroker } from 'nestjs-amqp-transport/testing';
import { FAILED, ORDERS, SHIPPING } from './orders.controller.js';
import { startApp } from './start-app.js';

/** A retry and dead-letter policy: a bad order is tried three times, then dead-lettered, and why. */
export async function testRetryThenDeadLetter(): Promise<unknown> {
  const broker = await InMemoryBroker.start();
  const app = await startApp(broker.url());
  try {
    broker.publish(ORDERS, 'order.created.eu', { id: 3, total: -1 });
    const [dead] = await broker.waitForDeadLettered({ queue: SHIPPING });
    return {
      retries: broker.published({ routingKey: SHIPPING }).length, // the two copies republished for retry
      reason: dead?.reason, // 'rejected': the handler threw on the last attempt
      to: dead?.deadLetterExchange, // FAILED
      body: dead?.json(),
      exchange: FAILED,
    };
  } finally {
    await app.close();
    await broker.stop();
  }
}
