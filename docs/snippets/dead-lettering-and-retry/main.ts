import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { DEAD_LETTERS, PARKED, PAYMENTS, PaymentsController } from './payments.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [PaymentsController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
await app.startAllMicroservices();
await app.init();

await app.get(AmqpPublisher).sendToQueue(PAYMENTS, { id: 'pay-1' });
for (let waited = 0; PaymentsController.parked.length === 0 && waited < 10_000; waited += 100)
  await new Promise((resolve) => setTimeout(resolve, 100));
await app.close();

const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
await channel.queueDelete({ queue: PAYMENTS });
await channel.queueDelete({ queue: `${PAYMENTS}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await channel.queueDelete({ queue: PARKED });
await channel.queueDelete({ queue: `${PARKED}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await channel.exchangeDelete({ exchange: DEAD_LETTERS });
await admin.close();
process.exitCode = PaymentsController.parked.length === 1 ? 0 : 1;
