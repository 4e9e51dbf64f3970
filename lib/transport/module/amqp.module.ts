import { Module } from '@nestjs/common';
import { AmqpPublisher } from './amqp-publisher.js';
import { AmqpConfigurableModule, MODULE_OPTIONS_TOKEN } from './amqp.module-definition.js';

/** Token under which the resolved AmqpModuleOptions are injectable. */
export const AMQP_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

/**
 * `AmqpModule.forRoot({ urls, exchanges, queues, bindings })` or `forRootAsync({ useFactory, inject })`:
 * connects at start (sharing the connection with a ServerAMQP of the same app), declares the
 * topology, provides {@link AmqpPublisher}, and releases the connection on application shutdown.
 */
@Module({
  providers: [AmqpPublisher],
  exports: [AmqpPublisher, MODULE_OPTIONS_TOKEN],
})
export class AmqpModule extends AmqpConfigurableModule {}
