/**
 * The sample: a hybrid Nest app (HTTP + an AMQP microservice). It starts, publishes a few messages,
 * makes an RPC through ClientAMQP and one through HTTP, prints what it receives and exits 0.
 * `npm start -- --serve` keeps it running (Ctrl-C to stop).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { ServerAMQP } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { OrdersService } from './orders.service.js';
import { ReceivedLog } from './received-log.js';
import { AMQP_URL, CONNECTION, MATH_CLIENT, RPC_QUEUE, TEST_QUEUE } from './sample.config.js';

async function main(): Promise<void> {
  const serve = process.argv.includes('--serve');
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.connectMicroservice({ strategy: new ServerAMQP({ ...CONNECTION, queue: RPC_QUEUE }) }, { inheritAppConfig: true });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  // Port 0 (any free port) for a one-shot run, so it never clashes with something on 3000.
  await app.listen(Number(process.env['PORT'] ?? (serve ? 3000 : 0)), '127.0.0.1');
  const url = await app.getUrl();
  console.log(`HTTP on ${url}, AMQP on ${AMQP_URL.replace(/\/\/[^@]*@/, '//')}`);

  const orders = app.get(OrdersService);
  const log = app.get(ReceivedLog);
  const math = app.get<ClientProxy>(MATH_CLIENT);

  for (let i = 1; i <= 3; i += 1) await orders.sendToTest({ n: i, text: `hello ${i}` });
  console.log(`published 3 messages to queue "${TEST_QUEUE}" (each confirmed by the broker)`);
  await orders.publishOrder('created', { id: 'order-1' });
  console.log('published order-1 to the orders exchange');
  await firstValueFrom(math.emit('order.created', { id: 'order-2' }), { defaultValue: undefined });
  console.log('emitted the order.created event');

  const sum = await firstValueFrom(math.send<number>('sum', [1, 2, 3, 4]));
  console.log(`RPC sum([1,2,3,4]) via ClientAMQP = ${sum}`);
  const viaHttp = (await (await fetch(`${url}/sum?numbers=10,20,30`)).json()) as { sum: number };
  console.log(`GET /sum?numbers=10,20,30 = ${viaHttp.sum}`);

  await log.waitFor(`queue ${TEST_QUEUE} (routing key ${TEST_QUEUE})`, 3);
  await log.waitFor(`queue ${TEST_QUEUE} (routing key orders.created)`, 1);
  await log.waitFor('event order.created', 1);
  console.log(`all ${log.all.length} messages received`);

  if (serve) {
    console.log('serving: press Ctrl-C to stop (in-flight messages are drained first)');
    return;
  }
  await app.close();
}

main().catch((error: unknown) => {
  console.error('sample failed:', error);
  process.exit(1);
});
