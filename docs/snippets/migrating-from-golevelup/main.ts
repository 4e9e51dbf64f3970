import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AmqpConsumerRegistry, AmqpPublisher, Connection, URLParameters } from 'nestjs-amqp-transport';
import { AppModule } from './app.module.js';
import { EXCHANGE, OrdersService } from './orders.service.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
await app.init();
const orders = app.get(OrdersService);

// Was: amqpConnection.publish(exchange, routingKey, message). Here it settles on the broker's confirm.
const publisher = app.get(AmqpPublisher);
await publisher.publish(EXCHANGE, 'order.created', { id: 'A-1' });
await publisher.publish(EXCHANGE, 'order.paid', { id: 'A-1' });
await publisher.sendToQueue('docs.migrating-from-golevelup.invoices', { id: 'I-9' });
for (let waited = 0; orders.log.length < 3 && waited < 10_000; waited += 50)
  await new Promise((resolve) => setTimeout(resolve, 50));
console.log(orders.log.sort().join('\n'));

// Was: amqpConnection.cancelConsumer(tag) / resumeConsumer(tag). Here: by name, from the registry.
const registry = app.get(AmqpConsumerRegistry);
await registry.pause('OrdersService.onInvoice');
console.log(
  registry
    .list()
    .map((consumer) => `${consumer.name}: ${consumer.state}`)
    .join('\n'),
);
await registry.resume('OrdersService.onInvoice');

await app.close();
const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
await channel.queueDelete({ queue: 'docs.migrating-from-golevelup.orders' });
await channel.queueDelete({ queue: 'docs.migrating-from-golevelup.orders.dlq' }); // the dead-letter queue declared for a consumer without DLX
await channel.queueDelete({ queue: 'docs.migrating-from-golevelup.invoices' });
await channel.queueDelete({ queue: 'docs.migrating-from-golevelup.invoices.dlq' }); // the dead-letter queue declared for a consumer without DLX
await channel.exchangeDelete({ exchange: EXCHANGE });
await admin.close();
