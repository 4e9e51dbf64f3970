import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { AppModule } from './app.module.js';
import { AMQP_URL, ORDERS_EXCHANGE, ORDERS_QUEUE, RPC_QUEUE } from './names.js';
import { OrdersService } from './orders.service.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
// The AMQP side of a hybrid app: @QueueConsumer methods and the default queue's handlers.
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL], queue: RPC_QUEUE }) });
// On SIGTERM / SIGINT: stop consuming, let in-flight handlers finish and ack, then close.
app.enableShutdownHooks();
await app.startAllMicroservices();
await app.listen(0); // any free port for this demo; 3000 in a real app

const orders = app.get(OrdersService);
await orders.created({ id: 'A-1', total: 42 });
await orders.shipped({ id: 'A-1', total: 42 });
console.log(`sum via ClientAMQP: ${await orders.total([1, 2, 3])}`);
await new Promise((resolve) => setTimeout(resolve, 500)); // let the consumer and event handler log

await app.close();

// Delete what this program declared, so that it leaves the broker as it found it.
const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
await channel.queueDelete({ queue: ORDERS_QUEUE });
await channel.queueDelete({ queue: `${ORDERS_QUEUE}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await channel.queueDelete({ queue: RPC_QUEUE });
await channel.queueDelete({ queue: `${RPC_QUEUE}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await channel.exchangeDelete({ exchange: ORDERS_EXCHANGE });
await admin.close();
console.log('closed');
