import { Module } from '@nestjs/common';
import { AmqpClientsModule } from 'nestjs-amqp-transport';
import { ORDERS_RMQ_OPTIONS } from './rmq-options.js';

export const ORDERS_CLIENT = 'ORDERS_CLIENT';

@Module({
  imports: [
    // Typed: `urls: 'amqp://localhost'` or a `queu:` typo is a compile error here.
    AmqpClientsModule.register([{ name: ORDERS_CLIENT, options: { ...ORDERS_RMQ_OPTIONS, noAck: true } }]),
  ],
})
export class ClientAppModule {}
