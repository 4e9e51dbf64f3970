import { Connection } from 'nestjs-amqp-transport';
import { createTestVhost } from 'nestjs-amqp-transport/testing';
import { INVOICES, ORDERS, SHIPPING } from './orders.controller.js';
import { startApp } from './start-app.js';

/**
 * The same app on a real RabbitMQ, in a vhost of the test's own: created with a unique name, the
 * URL's user granted access, deleted with everything in it by dispose(). Parallel workers never meet.
 */
export async function testOnRealBroker(amqpUrl: string): Promise<unknown> {
  const vhost = await createTestVhost({ url: amqpUrl });
  const app = await startApp(vhost.url);
  const connection = await Connection.connect(vhost.url);
  try {
    const channel = await connection.channel();
    await channel.confirmDelivery();
    await channel.basicPublish(ORDERS, 'order.created.eu', JSON.stringify({ id: 4, total: 5 }));
    for (let tries = 0; tries < 200; tries += 1) {
      const invoice = await channel.basicGet(INVOICES, { autoAck: true });
      if (invoice !== null) return JSON.parse(invoice.body.toString()) as unknown;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no invoice from ${SHIPPING}`);
  } finally {
    await connection.close();
    await app.close();
    await vhost.dispose();
  }
}
