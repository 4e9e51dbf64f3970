import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AmqpModule, ClientAMQP } from 'nestjs-amqp-transport';
import { AMQP_URL, MATH, ORDERS_EXCHANGE, RPC_QUEUE } from './names.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

@Module({
  imports: [
    // The publisher declares the exchange it publishes to when the module starts: publishing to an
    // exchange nobody declared fails with 404 NOT_FOUND.
    AmqpModule.forRoot({
      urls: [AMQP_URL],
      exchanges: [{ name: ORDERS_EXCHANGE, type: 'topic', durable: true }],
    }),
    // A Nest ClientProxy for the server's default queue.
    ClientsModule.register([
      { name: MATH, customClass: ClientAMQP, options: { urls: [AMQP_URL], queue: RPC_QUEUE } },
    ]),
  ],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class AppModule {}
