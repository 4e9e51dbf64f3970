/**
 * ClientsModule registration with ClientAMQP's options typed. `ClientsModule.register([{ customClass,
 * options }])` types `options` as `Record<string, any>`, so `urls: 'amqp://localhost'` or a `queu:`
 * typo compiles; through these helpers they are compile errors (and ClientAMQP's constructor still
 * refuses them at run time, naming the option, for plain JavaScript).
 */
import type {
  DynamicModule,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
} from '@nestjs/common';
import { ClientsModule, type ClientProvider, type ClientsProviderAsyncOptions } from '@nestjs/microservices';
import type { AmqpClientOptions } from '../options/amqp-client.options.js';
import { ClientAMQP } from './client-amqp.js';

/** One ClientAMQP to register under `name` (the token `@Inject(name)` takes). */
export interface AmqpClientRegistration {
  name: string | symbol;
  options: AmqpClientOptions;
}

/** One ClientAMQP whose options come from a factory (ConfigService ...). */
export interface AmqpClientAsyncRegistration extends Pick<ModuleMetadata, 'imports'> {
  name: string | symbol;
  useFactory: (...args: never[]) => AmqpClientOptions | Promise<AmqpClientOptions>;
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  extraProviders?: Provider[];
}

/** A typed `ClientsModule.register` entry: `ClientsModule.register([amqpClient({ name: 'MATH', options })])`. */
export function amqpClient(registration: AmqpClientRegistration): {
  name: string | symbol;
  customClass: typeof ClientAMQP;
  options: AmqpClientOptions;
} {
  return { name: registration.name, customClass: ClientAMQP, options: registration.options };
}

/** A typed `ClientsModule.registerAsync` entry. */
export function amqpClientAsync(registration: AmqpClientAsyncRegistration): ClientsProviderAsyncOptions {
  const { useFactory, ...rest } = registration;
  return {
    ...rest,
    useFactory: async (...args: unknown[]): Promise<ClientProvider> => ({
      customClass: ClientAMQP,
      options: await (useFactory as (...values: unknown[]) => AmqpClientOptions | Promise<AmqpClientOptions>)(
        ...args,
      ),
    }),
  };
}

/** `ClientsModule`, for ClientAMQP clients only, with their options typed. */
export class AmqpClientsModule {
  static register(clients: AmqpClientRegistration[], options: { isGlobal?: boolean } = {}): DynamicModule {
    const entries = clients.map(amqpClient);
    return ClientsModule.register(
      options.isGlobal === undefined ? entries : { clients: entries, isGlobal: options.isGlobal },
    );
  }

  static registerAsync(
    clients: AmqpClientAsyncRegistration[],
    options: { isGlobal?: boolean } = {},
  ): DynamicModule {
    const entries = clients.map(amqpClientAsync);
    return ClientsModule.registerAsync(
      options.isGlobal === undefined ? entries : { clients: entries, isGlobal: options.isGlobal },
    );
  }
}
