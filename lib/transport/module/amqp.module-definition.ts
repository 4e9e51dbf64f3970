import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { AmqpModuleOptions } from '../options/amqp-module.options.js';

/** Token of the unnamed module's resolved options. */
export const MODULE_OPTIONS_TOKEN = 'AMQP_MODULE_OPTIONS';

/** What `forRoot` / `forRootAsync` take besides the options themselves (known before any factory runs). */
export interface AmqpModuleExtras {
  /**
   * Registers a named connection and publisher (`@InjectAmqpPublisher(name)`), for a second broker or
   * vhost in the same app. Its connection is its own: `connectionKey` defaults to the name.
   * @default unnamed: the default publisher, injected as `AmqpPublisher`
   */
  name?: string;
  /** Makes the publisher injectable everywhere without importing the module again. @default false */
  isGlobal?: boolean;
}

/** Options of `AmqpModule.forRoot()`: the module options plus `name` and `isGlobal`. */
export type AmqpModuleRootOptions = AmqpModuleOptions & AmqpModuleExtras;

/** A class that builds the options (`forRootAsync({ useClass })` / `useExisting`). */
export interface AmqpModuleOptionsFactory {
  create(): AmqpModuleOptions | Promise<AmqpModuleOptions>;
}

/** Options of `AmqpModule.forRootAsync()`: useFactory / useClass / useExisting, inject, imports, plus `name` and `isGlobal`. */
export interface AmqpModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'>, AmqpModuleExtras {
  useFactory?: (...args: never[]) => AmqpModuleOptions | Promise<AmqpModuleOptions>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  useClass?: Type<AmqpModuleOptionsFactory>;
  useExisting?: Type<AmqpModuleOptionsFactory>;
}
