import { DynamicModule, Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { AmqpModule, ClientAMQP } from 'nestjs-amqp-transport';
import { AMQP_URL } from './names';
import { OrdersController } from './orders.controller';
import { INVOICES_QUEUE, ORDERS_RPC_QUEUE, QUOTES } from './orders.names';
import { OrdersRecord } from './orders.record';

/** The orders app, on the broker at `url` (the app's configured AMQP_URL by default). */
@Module({})
export class OrdersModule {
  static forRoot(url: string = AMQP_URL): DynamicModule {
    return {
      module: OrdersModule,
      imports: [
        AmqpModule.forRoot({ urls: [url], queues: [{ name: INVOICES_QUEUE }] }),
        ClientsModule.register([{ name: QUOTES, customClass: ClientAMQP, options: { urls: [url], queue: ORDERS_RPC_QUEUE } }]),
      ],
      controllers: [OrdersController],
      providers: [OrdersRecord],
    };
  }
}
