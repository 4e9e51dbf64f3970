/**
 * The Nest side of the in-memory broker: the module `broker.module()` returns. Importing it next to
 * the app's own module in `Test.createTestingModule` is the one line that swaps the broker in; the
 * route itself is installed when `module()` is called, before the app compiles, so no connection the
 * app opens (AmqpModule, ClientAMQP, ServerAMQP) can reach the host its configuration names.
 */
import { Module, type DynamicModule, type InjectionToken, type OnApplicationShutdown } from '@nestjs/common';

/**
 * A global module providing `broker` under `token` (the InMemoryBroker class, so
 * `moduleRef.get(InMemoryBroker)` finds it), whose shutdown hook runs `uninstall`.
 * @internal
 */
export function inMemoryBrokerModule(broker: object, token: InjectionToken, uninstall: () => void): DynamicModule {
  // A class per call: two apps each with a broker of their own stay two modules in Nest's eyes.
  @Module({})
  class InMemoryBrokerModule implements OnApplicationShutdown {
    onApplicationShutdown(): void {
      uninstall();
    }
  }
  return { module: InMemoryBrokerModule, global: true, providers: [{ provide: token, useValue: broker }], exports: [token] };
}
