import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { JOBS, JobsController } from './jobs.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [JobsController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
await app.startAllMicroservices();
await app.init();

const publisher = app.get(AmqpPublisher);
for (let n = 1; n <= 4; n += 1) await publisher.sendToQueue(JOBS, { n });
for (let waited = 0; JobsController.settled < 4 && waited < 10_000; waited += 50)
  await new Promise((resolve) => setTimeout(resolve, 50));
await app.close();

const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
const { messageCount } = await channel.queueDelete({ queue: JOBS });
await channel.queueDelete({ queue: `${JOBS}.dlq` }); // the dead-letter queue declared for a consumer without DLX
console.log(`left in the queue: ${messageCount}`);
await admin.close();
