import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ScopedLogger } from '../logging/scoped-logger.js';
import { AmqpDeadLetters } from './amqp-dead-letters.js';
import { InvalidArgumentError } from '../../protocol/errors.js';
import { revealOptions, sealOptions } from '../connection/sealed-options.js';
import { AmqpConnections } from './amqp-connections.js';
import { AmqpCoreModule } from './amqp-core.module.js';
import type { AmqpModuleOptions } from '../options/amqp-module.options.js';
import { readModuleOptions } from '../options/module-options.reader.js';
import { logOptionWarnings, type OptionWarnings } from '../options/option-warnings.js';
import { AmqpPublisher } from './amqp-publisher.js';
import {
  MODULE_OPTIONS_TOKEN,
  type AmqpModuleAsyncOptions,
  type AmqpModuleOptionsFactory,
  type AmqpModuleRootOptions,
} from './amqp.module-definition.js';
import {
  connectionRegistrationToken,
  getAmqpModuleOptionsToken,
  getAmqpPublisherToken,
  rawOptionsToken,
} from './amqp.tokens.js';

/** Token under which the unnamed module's resolved AmqpModuleOptions are injectable. */
export const AMQP_MODULE_OPTIONS = MODULE_OPTIONS_TOKEN;

/**
 * `AmqpModule.forRoot({ urls, exchanges, queues, bindings, consumers })` or
 * `forRootAsync({ useFactory, inject })`: connects at start (sharing the connection with a ServerAMQP
 * of the same app), declares the topology, provides {@link AmqpPublisher}, runs the `@QueueConsumer`
 * methods of providers, and releases the connection on application shutdown.
 *
 * Import it more than once with a `name` for more brokers or vhosts: each named module has its own
 * connection and publisher (`@InjectAmqpPublisher(name)`). The unnamed one is injected as `AmqpPublisher`.
 * Every app importing it also gets AmqpConsumerRegistry and AmqpHealthIndicator (global).
 */
@Module({})
export class AmqpModule {
  static forRoot(options: AmqpModuleRootOptions): DynamicModule {
    const { name, isGlobal, ...moduleOptions } = options;
    checkName(name);
    // Checked here too, so that a typo fails where forRoot is called (warnings wait for the logger).
    readModuleOptions(moduleOptions);
    return AmqpModule.build(name, isGlobal, [], [{ provide: rawOptionsToken(name), useValue: sealOptions(moduleOptions) }]);
  }

  static forRootAsync(options: AmqpModuleAsyncOptions): DynamicModule {
    const { name, isGlobal, imports = [] } = options;
    checkName(name);
    const token = rawOptionsToken(name);
    const providers: Provider[] = [];
    if (options.useFactory !== undefined) {
      const factory = options.useFactory as (...args: unknown[]) => AmqpModuleOptions | Promise<AmqpModuleOptions>;
      providers.push({ provide: token, useFactory: async (...args: unknown[]) => sealed(await factory(...args)), inject: options.inject ?? [] });
    } else if (options.useClass !== undefined || options.useExisting !== undefined) {
      const factory = (options.useClass ?? options.useExisting) as NonNullable<AmqpModuleAsyncOptions['useClass']>;
      if (options.useClass !== undefined) providers.push(options.useClass);
      providers.push({ provide: token, useFactory: async (made: AmqpModuleOptionsFactory) => sealed(await made.create()), inject: [factory] });
    } else {
      throw new InvalidArgumentError('forRootAsync', 'needs one of useFactory, useClass or useExisting');
    }
    return AmqpModule.build(name, isGlobal, imports, providers);
  }

  private static build(
    name: string | undefined,
    isGlobal: boolean | undefined,
    imports: NonNullable<DynamicModule['imports']>,
    optionsProviders: Provider[],
  ): DynamicModule {
    const optionsToken = getAmqpModuleOptionsToken(name);
    const publisherToken = getAmqpPublisherToken(name);
    const providers: Provider[] = [
      ...optionsProviders,
      {
        provide: optionsToken,
        useFactory: (raw: AmqpModuleOptions) => effectiveOptions(raw, name),
        inject: [rawOptionsToken(name)],
      },
      name === undefined
        ? AmqpPublisher
        : { provide: publisherToken, useFactory: (resolved: AmqpModuleOptions) => new AmqpPublisher(resolved), inject: [optionsToken] },
      {
        provide: connectionRegistrationToken(name),
        useFactory: (connections: AmqpConnections, resolved: AmqpModuleOptions, publisher: AmqpPublisher) =>
          connections.register({ name, options: resolved, publisher }),
        inject: [AmqpConnections, optionsToken, publisherToken],
      },
      // The dead-letter operations of the unnamed connection (a named one builds its own over its publisher).
      ...(name === undefined ? [AmqpDeadLetters] : []),
    ];
    return {
      module: AmqpModule,
      global: isGlobal ?? false,
      imports: [...imports, AmqpCoreModule],
      providers,
      exports: name === undefined ? [publisherToken, optionsToken, AmqpDeadLetters] : [publisherToken, optionsToken],
    };
  }
}

function checkName(name: unknown): void {
  if (name !== undefined && (typeof name !== 'string' || name === '')) {
    throw new InvalidArgumentError('name', `must be a non-empty string, got ${JSON.stringify(name)}`);
  }
}

/**
 * The options providers hold sealed options (sealed-options.ts), so that nothing reading the
 * container (a debug dump, a devtools graph) meets a password.
 */
function sealed(raw: AmqpModuleOptions): AmqpModuleOptions {
  if (typeof raw !== 'object' || raw === null) {
    throw new InvalidArgumentError('forRootAsync', `the options factory returned ${String(raw)}, not an options object`);
  }
  return sealOptions(raw);
}

/**
 * The options read by the one checker (readModuleOptions: typos refused, golevelup's names mapped,
 * what means nothing here warned once), sealed again. A named module's connection is its own unless
 * told otherwise: `connectionKey` defaults to its name.
 */
function effectiveOptions(raw: AmqpModuleOptions, name: string | undefined): AmqpModuleOptions {
  if ('name' in raw) {
    throw new InvalidArgumentError('name', 'belongs to forRoot/forRootAsync itself (it names the injection tokens), not to the options a factory returns');
  }
  const ignored: OptionWarnings = [];
  const read = readModuleOptions(revealOptions(raw), ignored);
  const where = name === undefined ? 'AmqpModule' : `AmqpModule "${name}"`;
  logOptionWarnings(new ScopedLogger(read.logger, 'AmqpModule'), where, ignored);
  if (name !== undefined && read.connectionKey === undefined) read.connectionKey = name;
  return sealOptions(read);
}
