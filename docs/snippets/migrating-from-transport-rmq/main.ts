import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ClientAMQP, ServerAMQP } from 'nestjs-amqp-transport';
import { ClientAppModule, ORDERS_CLIENT } from './app.module.js';
import { OrdersController } from './orders.controller.js';
import { ORDERS_RMQ_OPTIONS } from './rmq-options.js';

@Module({ controllers: [OrdersController] })
class OrdersModule {}

async function main(): Promise<void> {
  const logger = new Logger('main');
  // Was: { transport: Transport.RMQ, options: ORDERS_RMQ_OPTIONS }
  const server = new ServerAMQP(ORDERS_RMQ_OPTIONS);
  const service = await NestFactory.createMicroservice(OrdersModule, { strategy: server });
  await service.listen();

  const caller = await NestFactory.createApplicationContext(ClientAppModule);
  const client = caller.get<ClientProxy>(ORDERS_CLIENT);
  logger.log(`orders.total = ${await firstValueFrom(client.send<number>('orders.total', [20, 22]))}`);
  await lastValueFrom(client.emit('orders.created', { id: 'o-1' }).pipe(toArray()));
  await lastValueFrom(client.emit('orders.shipped', { id: 'o-1' }).pipe(toArray()));
  await new Promise((resolve) => setTimeout(resolve, 500));

  // Everything this program declared is deleted before it exits (the server stopped first).
  await service.close();
  const channel = await (client as ClientAMQP).unwrap().channel();
  await channel.queueDelete({ queue: 'docs.migrating-from-transport-rmq.orders' });
  await channel.queueDelete({ queue: 'docs.migrating-from-transport-rmq.orders.dlq' }); // the dead-letter queue declared for a consumer without DLX
  await channel.exchangeDelete({ exchange: 'docs.migrating-from-transport-rmq.orders' });
  await channel.close();
  await caller.close();
}

await main();
