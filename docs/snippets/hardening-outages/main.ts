import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AMQP_MODULE_OPTIONS, AmqpModule, AmqpPublisher } from 'nestjs-amqp-transport';
import { amqpOptions } from './outage-budget.js';
import { ORDERS, OrdersService } from './orders.service.js';

@Module({
  imports: [AmqpModule.forRoot({ ...amqpOptions, queues: [{ name: ORDERS, durable: false }] })],
  providers: [OrdersService],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const outcome = await app.get(OrdersService).placed({ id: 'order-1' });
const connection = app.get(AmqpPublisher).connection;
console.log(`order-1: ${outcome}; the outage budget now holds ${JSON.stringify(connection.outage)}`);

// The options as the app holds them: the password is masked wherever they can be printed.
console.log(`module options: ${JSON.stringify(app.get(AMQP_MODULE_OPTIONS).urls)}`);

const channel = await connection.channel();
await channel.queueDelete({ queue: ORDERS });
await channel.queueDelete({ queue: `${ORDERS}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await app.close();
process.exitCode = outcome === 'sent' ? 0 : 1;
