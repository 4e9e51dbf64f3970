import { Test } from '@nestjs/testing';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { INVOICES, ORDERS, OrdersController } from './orders.controller.js';

/**
 * An end-to-end test against a real broker (a local RabbitMQ or a container in CI): the testing
 * module runs as a microservice with ServerAMQP, a message goes in through the broker, and what comes
 * out is read back from the broker. (In a jest spec: beforeAll / it / afterAll.)
 */
export async function testWithBroker(url: string): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({
    imports: [AmqpModule.forRoot({ urls: [url], queues: [{ name: INVOICES }] })],
    controllers: [OrdersController],
  }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [url] }), logger: false });
  await app.listen();
  try {
    const publisher = app.get(AmqpPublisher);
    await publisher.sendToQueue(ORDERS, { id: 'o-2', total: 20 });
    // Read the invoice back with the engine: basic.get until it is there.
    const channel = await publisher.connection.channel();
    for (let tries = 0; tries < 100; tries += 1) {
      const message = await channel.basicGet(INVOICES, { autoAck: true });
      if (message !== null) return JSON.parse(message.body.toString()) as unknown;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no invoice within 5 s');
  } finally {
    await app.close();
    // Leave the broker as the test found it.
    const admin = await Connection.connect(new URLParameters(url));
    const channel = await admin.channel();
    await channel.queueDelete({ queue: ORDERS });
    await channel.queueDelete({ queue: `${ORDERS}.dlq` }); // the dead-letter queue declared for a consumer without DLX
    await channel.queueDelete({ queue: INVOICES });
    await channel.queueDelete({ queue: `${INVOICES}.dlq` }); // the dead-letter queue declared for a consumer without DLX
    await admin.close();
  }
}
