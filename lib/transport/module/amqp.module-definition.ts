import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { sealOptions } from '../shared/sealed-options.js';
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
  .setExtras({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    providers: definition.providers?.map(sealedOptionsProvider),
  }))
  .build();

/** Options of `AmqpModule.forRoot()`: the module options plus `isGlobal`. */
export type AmqpModuleRootOptions = typeof AMQP_MODULE_OPTIONS_TYPE;
/** Options of `AmqpModule.forRootAsync()`: useFactory / useClass / useExisting, inject, imports, plus `isGlobal`. */
export type AmqpModuleAsyncOptions = typeof AMQP_MODULE_ASYNC_OPTIONS_TYPE;

/**
 * The options provider holds the sealed options (sealed-options.ts), so that nothing reading the
 * container (a debug dump, a devtools graph) meets a password: forRoot's value, forRootAsync's factory result.
 */
function sealedOptionsProvider(provider: Provider): Provider {
  if (typeof provider !== 'object' || provider.provide !== MODULE_OPTIONS_TOKEN) return provider;
  if ('useValue' in provider) return { ...provider, useValue: sealOptions(provider.useValue as AmqpModuleOptions) };
  if ('useFactory' in provider) {
    const factory = provider.useFactory;
    return {
      ...provider,
      useFactory: async (...args: unknown[]) => sealOptions((await factory(...args)) as AmqpModuleOptions),
    };
  }
  return provider;
}
