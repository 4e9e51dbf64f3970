import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { AUDIT, EMAILS, THUMBNAILS, WorkController } from './work.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [WorkController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
await app.startAllMicroservices();
await app.init();

const publisher = app.get(AmqpPublisher);
await publisher.sendToQueue(EMAILS, { to: 'ada@example.com' });
await publisher.sendToQueue(THUMBNAILS, { file: 'cat.png' });
await publisher.sendToQueue(AUDIT, { event: 'login' });
for (let waited = 0; WorkController.seen.length < 3 && waited < 10_000; waited += 50)
  await new Promise((resolve) => setTimeout(resolve, 50));
console.log(WorkController.seen.sort().join('\n'));
await app.close();

const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
for (const queue of [EMAILS, THUMBNAILS, AUDIT]) {
  await channel.queueDelete({ queue });
  await channel.queueDelete({ queue: `${queue}.dlq` }); // declared for a consumer without DLX
}
await admin.close();
