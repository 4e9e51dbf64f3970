import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { Module } from '@nestjs/common';
import { INBOX, InboxController } from './inbox.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ controllers: [InboxController] })
class AppModule {}

const app = await NestFactory.createMicroservice(AppModule, {
  strategy: new ServerAMQP({ urls: [AMQP_URL] }),
  logger: false,
});
await app.listen();

// Producers outside Nest (other languages, amqplib, the management UI) send whatever they send.
// AmqpPublisher and ClientAMQP send JSON with content type application/json.
const producer = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await producer.channel();
await channel.basicPublish('', INBOX, JSON.stringify({ id: 1 }), { contentType: 'application/json' });
await channel.basicPublish('', INBOX, '{"id": 2}'); // no content type: parsed as JSON when it is JSON
await channel.basicPublish('', INBOX, 'not json at all'); // no content type, not JSON: a Buffer
await channel.basicPublish('', INBOX, 'plain words', { contentType: 'text/plain' });
await channel.basicPublish('', INBOX, Buffer.from([0xca, 0xfe]), { contentType: 'application/octet-stream' });
for (let waited = 0; InboxController.received < 5 && waited < 10_000; waited += 50)
  await new Promise((resolve) => setTimeout(resolve, 50));

await app.close();
await channel.queueDelete({ queue: INBOX });
await channel.queueDelete({ queue: `${INBOX}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await producer.close();
