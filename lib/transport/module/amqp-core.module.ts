import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { HandlerErrorCapture } from '../decorators/handler-error-capture.js';
import { AmqpConsumerExplorer } from './amqp-consumer.explorer.js';
import { AmqpConsumerRegistry } from './amqp-consumer.registry.js';
import { AmqpHealthIndicator } from '../health/amqp-health.indicator.js';
import { AmqpConnections } from './amqp-connections.js';
import { AMQP_MODULE_CONNECTIONS } from '../consume/consumer-directory.js';

/**
 * What an app has once, however many AmqpModule.forRoot it imports: the registry of its module
 * connections, the explorer that runs providers' consumers, the consumer registry and the health
 * indicator. Global, so a HealthController or any provider can inject them.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    AmqpConnections,
    { provide: AMQP_MODULE_CONNECTIONS, useExisting: AmqpConnections },
    AmqpConsumerExplorer,
    AmqpConsumerRegistry,
    AmqpHealthIndicator,
    // The error a handler threw, kept for its dead letter's headers before the filters hide it.
    { provide: APP_INTERCEPTOR, useClass: HandlerErrorCapture },
  ],
  exports: [AmqpConnections, AmqpConsumerRegistry, AmqpHealthIndicator],
})
export class AmqpCoreModule {}
