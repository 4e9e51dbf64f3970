import { Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AmqpModule, ClientAMQP } from '../lib/index.js';
import { HttpController } from './http.controller.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { ReceivedLog } from './received-log.js';
import { ShutdownNotice } from './shutdown-notice.js';
import { CONNECTION, MATH_CLIENT, ORDERS_EXCHANGE, RPC_QUEUE } from './sample.config.js';

/**
 * The publisher (AmqpModule), the client (ClientAMQP) and the server (connected in main.ts) share
 * CONNECTION, so the whole app holds one AMQP connection.
 */
@Module({
  imports: [
    AmqpModule.forRoot({
      ...CONNECTION,
      exchanges: [{ name: ORDERS_EXCHANGE, type: 'topic', durable: true }],
    }),
    ClientsModule.register([
      { name: MATH_CLIENT, customClass: ClientAMQP, options: { ...CONNECTION, queue: RPC_QUEUE, timeout: 5000 } },
    ]),
  ],
  controllers: [OrdersController, HttpController],
  providers: [OrdersService, ReceivedLog, ShutdownNotice],
})
export class AppModule {}
