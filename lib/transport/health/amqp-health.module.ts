import { Module } from '@nestjs/common';
import { AmqpHealthIndicator } from './amqp-health.indicator.js';

/**
 * AmqpHealthIndicator for an app without AmqpModule (only a ServerAMQP or ClientAMQP): import this
 * beside TerminusModule. AmqpModule already provides the indicator (globally).
 */
@Module({ providers: [AmqpHealthIndicator], exports: [AmqpHealthIndicator] })
export class AmqpHealthModule {}
