import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  AmqpConsumerRegistry,
  AmqpPublisher,
  Connection,
  URLParameters,
  getAmqpPublisherToken,
  type AmqpContext,
} from 'nestjs-amqp-transport';
import { AppModule } from './app.module.js';
import { HealthController } from './health.controller.js';
import { OrdersWorker } from './orders.worker.js';
import { settings } from './settings.js';

const ORDERS = settings().consumers.orders.queue;
const AUDIT = 'docs.configuration-and-control.audit';
const LATE = 'docs.configuration-and-control.late';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check() && waited < 10_000; waited += 50) await sleep(50);
}

const app = await NestFactory.create(AppModule, { logger: false });
await app.init();
const publisher = app.get(AmqpPublisher);
const worker = app.get(OrdersWorker);
const registry = app.get(AmqpConsumerRegistry);

// 1. A provider's consumer, configured from ConfigService.
await publisher.sendToQueue(ORDERS, { id: 'A-1' });
await until(() => worker.seen.length === 1);
console.log(worker.seen[0]);
console.log(
  registry
    .list()
    .map((c) => `${c.name} on ${c.queue}: ${c.state}`)
    .join('\n'),
);

// 2. Pause: messages wait in the queue; resume delivers them.
await registry.pause('OrdersWorker.onOrder');
await publisher.sendToQueue(ORDERS, { id: 'A-2' });
await sleep(300);
console.log(
  `while paused: ${worker.seen.length} handled, state ${registry.get('OrdersWorker.onOrder').state}`,
);
await registry.resume('OrdersWorker.onOrder');
await until(() => worker.seen.length === 2);
console.log(`after resume: ${worker.seen[1]}`);

// 3. A consumer added at run time, then cancelled.
const late: unknown[] = [];
await registry.add({
  name: 'late',
  queue: LATE,
  options: { durable: false },
  handler: (payload: unknown, _ctx: AmqpContext) => void late.push(payload),
});
await publisher.sendToQueue(LATE, { hello: 'late' });
await until(() => late.length === 1);
console.log(`added at run time got ${JSON.stringify(late[0])}`);
await registry.cancel('late');

// 4. The named publisher, with its own serializer.
const audit = app.get<AmqpPublisher>(getAmqpPublisherToken('audit'));
await audit.sendToQueue(AUDIT, 'order A-1 placed');

// 5. Health of every connection of the app.
const health = await app.get(HealthController).check();
console.log(`health: ${health.status}, ${JSON.stringify(health.info?.['amqp']?.['connections'])}`);

await app.close();
const admin = await Connection.connect(new URLParameters(settings().amqpUrl));
const channel = await admin.channel();
const text = await channel.basicGet(AUDIT, { autoAck: true });
console.log(`audit queue holds: ${text?.body.toString()} (${text?.properties.contentType})`);
for (const queue of [ORDERS, AUDIT, LATE]) {
  await channel.queueDelete({ queue });
  await channel.queueDelete({ queue: `${queue}.dlq` }); // declared for a consumer without DLX
}
await admin.close();
