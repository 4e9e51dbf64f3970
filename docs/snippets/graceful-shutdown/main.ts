import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { REPORTS, SlowController } from './slow.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [SlowController] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
// shutdownTimeout: how long close() waits for handlers still running (their messages are requeued after).
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL], shutdownTimeout: 10_000 }) });
// Without this, SIGTERM (docker stop, Kubernetes) kills the process with handlers mid-way.
app.enableShutdownHooks();
await app.startAllMicroservices();
await app.init();

const publisher = app.get(AmqpPublisher);
for (let n = 1; n <= 5; n += 1) await publisher.sendToQueue(REPORTS, { n });
await new Promise((resolve) => setTimeout(resolve, 100)); // the five handlers are now running

// What a SIGTERM does through enableShutdownHooks(): stop consuming, wait for in-flight handlers,
// ack their messages, then close the connection.
await app.close();
console.log(`closed after ${SlowController.finished} of 5 reports finished`);

const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
const { messageCount } = await channel.queueDelete({ queue: REPORTS });
await channel.queueDelete({ queue: `${REPORTS}.dlq` }); // the dead-letter queue declared for a consumer without DLX
console.log(`messages left in the queue: ${messageCount}`);
await admin.close();
process.exitCode = SlowController.finished === 5 && messageCount === 0 ? 0 : 1;
