import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AmqpModuleOptions } from './amqp-module.options.js';

/**
 * forRoot / forRootAsync from one builder (no near-duplicate async factories); `isGlobal` makes the
 * publisher injectable everywhere without importing the module again.
 */
export const {
  ConfigurableModuleClass: AmqpConfigurableModule,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE: AMQP_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AMQP_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AmqpModuleOptions>({ moduleName: 'Amqp' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** Options of `AmqpModule.forRoot()`: the module options plus `isGlobal`. */
export type AmqpModuleRootOptions = typeof AMQP_MODULE_OPTIONS_TYPE;
/** Options of `AmqpModule.forRootAsync()`: useFactory / useClass / useExisting, inject, imports, plus `isGlobal`. */
export type AmqpModuleAsyncOptions = typeof AMQP_MODULE_ASYNC_OPTIONS_TYPE;
