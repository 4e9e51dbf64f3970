import { Inject } from '@nestjs/common';
import { AmqpPublisher } from './amqp-publisher.js';
import { MODULE_OPTIONS_TOKEN } from './amqp.module-definition.js';

/** The injection token of a module's resolved options: `AMQP_MODULE_OPTIONS` for the unnamed one. */
export function getAmqpModuleOptionsToken(name?: string): string {
  return name === undefined ? MODULE_OPTIONS_TOKEN : `${MODULE_OPTIONS_TOKEN}:${name}`;
}

/** The injection token of a module's publisher: the `AmqpPublisher` class for the unnamed one. */
export function getAmqpPublisherToken(name?: string): string | typeof AmqpPublisher {
  return name === undefined ? AmqpPublisher : `AmqpPublisher:${name}`;
}

/**
 * Injects the publisher of `AmqpModule.forRoot({ name })` (the unnamed one without a name).
 *
 * @example
 * ```ts
 * constructor(@InjectAmqpPublisher('billing') private readonly billing: AmqpPublisher) {}
 * ```
 */
export function InjectAmqpPublisher(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getAmqpPublisherToken(name));
}

/** @internal The raw options as the user's forRoot / factory gave them. */
export function rawOptionsToken(name: string | undefined): string {
  return `AMQP_MODULE_RAW_OPTIONS:${name ?? ''}`;
}

/** @internal The registration of a module's connection with the app's AmqpConnections. */
export function connectionRegistrationToken(name: string | undefined): string {
  return `AMQP_MODULE_CONNECTION:${name ?? ''}`;
}
