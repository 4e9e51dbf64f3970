import { Module } from '@nestjs/common';
import { AmqpModule } from 'nestjs-amqp-transport';
import { EXCHANGE, OrdersService } from './orders.service.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

// Was: RabbitMQModule.forRoot({ uri, exchanges, handlers, defaultRpcTimeout }).
// forRootAsync({ useFactory, inject: [ConfigService] }) takes the same options.
@Module({
  imports: [
    AmqpModule.forRoot({
      urls: [AMQP_URL],
      exchanges: [{ name: EXCHANGE, type: 'topic', durable: false }],
      consumers: { invoices: { queue: 'docs.migrating-from-golevelup.invoices', prefetch: 5 } },
      requestTimeout: 10_000,
    }),
  ],
  providers: [OrdersService],
})
export class AppModule {}
