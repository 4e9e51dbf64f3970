import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpModule, AmqpPublisher, ClientAMQP, ErrorReplyError, ServerAMQP } from 'nestjs-amqp-transport';
import { ConsumersController, names } from './consumers.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [ConsumersController] })
class AppModule {}

const app = await NestFactory.createMicroservice(AppModule, {
  strategy: new ServerAMQP({ urls: [AMQP_URL] }),
  // The server warns at start-up for each queue without a dead-letter exchange and logs where each failed message went.
  logger: false,
});
await app.listen();
const publisher = app.get(AmqpPublisher);

// RPC: the reply carries the request's correlation id (kept when the caller chose it).
console.log(
  'price:',
  await publisher.request('', names.prices, { sku: 'tea' }, { correlationId: 'order-42', timeout: 2_000 }),
);
console.log(
  'rate:',
  await publisher.request(names.ratesExchange, 'rate.eur', {}, { headers: { tenant: 'docs' } }),
);

// Requeue with a bound: 4 attempts, then the dead-letter queue.
await publisher.sendToQueue(names.payments, { id: 'p-1' });

// A batch: 120 messages arrive as calls of 50, 50 and 20.
await Promise.all(Array.from({ length: 120 }, (_, n) => publisher.sendToQueue(names.audit, { n })));

// A stream: messages stay; this consumer reads them from the first offset.
await publisher.sendToQueue(names.clicks, { page: '/home' });
await publisher.sendToQueue(names.clicks, { page: '/pricing' });

await new Promise((resolve) => setTimeout(resolve, 1_500));
await publisher.request('', names.prices, 'not an object', { timeout: 2_000 }).catch((error: unknown) => {
  console.log('error reply:', error instanceof ErrorReplyError ? error.error : error);
});

const channel = await publisher.connection.channel();
const dlq = await channel.queueDeclare({ queue: `${names.payments}.dlq`, passive: true });
console.log(`payments.dlq holds ${dlq.messageCount} message(s)`);
await app.close();

const cleanup = new ClientAMQP({ urls: [AMQP_URL] });
const admin = await (await cleanup.connect()).channel();
for (const queue of Object.values(names)) {
  await admin.queueDelete({ queue });
  await admin.queueDelete({ queue: `${queue}.dlq` });
}
await admin.exchangeDelete({ exchange: names.ratesExchange });
await cleanup.close();
