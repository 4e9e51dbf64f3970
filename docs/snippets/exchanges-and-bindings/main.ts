import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpModule, AmqpPublisher, Connection, ServerAMQP, URLParameters } from 'nestjs-amqp-transport';
import { AUDIT, EVENTS, INVOICES, RoutingController } from './routing.controller.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

@Module({
  imports: [
    // Exchanges, then queues, then bindings are declared when the module starts (and again after a
    // reconnect). Publishing to an exchange that nobody declared fails with 404 NOT_FOUND.
    AmqpModule.forRoot({
      urls: [AMQP_URL],
      exchanges: [
        { name: EVENTS, type: 'topic', durable: true },
        { name: AUDIT, type: 'headers', durable: true },
      ],
    }),
  ],
  controllers: [RoutingController],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
await app.init(); // AmqpModule declares its exchanges here, before the consumers bind to them
await app.startAllMicroservices();

const publisher = app.get(AmqpPublisher);
await publisher.publish(EVENTS, 'invoice.created', { id: 'inv-1' });
await publisher.publish(EVENTS, 'invoice.voided', { id: 'inv-2' }); // no binding for this key: not routed
await publisher.publish(AUDIT, '', { id: 'inv-3' }, { headers: { kind: 'invoice', region: 'eu' } });
await new Promise((resolve) => setTimeout(resolve, 500));
await app.close();

const admin = await Connection.connect(new URLParameters(AMQP_URL));
const channel = await admin.channel();
await channel.queueDelete({ queue: INVOICES });
await channel.queueDelete({ queue: `${INVOICES}.dlq` }); // the dead-letter queue declared for a consumer without DLX
await channel.exchangeDelete({ exchange: EVENTS });
await channel.exchangeDelete({ exchange: AUDIT });
await admin.close();
