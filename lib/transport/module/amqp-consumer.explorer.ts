import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, ExternalContextCreator, MetadataScanner } from '@nestjs/core';
import type { MessageHandler } from '@nestjs/microservices';
import { InvalidArgumentError } from '../../protocol/errors.js';
import { QueueConsumerMetadataAccessor } from '../decorators/queue-consumer-metadata.accessor.js';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import { AmqpConnections } from './amqp-connections.js';
import { consumerNameOf, resolveConsumerConfig } from '../consume/consumer-config.resolver.js';
import { noteConsumerExplorer } from '../decorators/decorated-consumers.js';
import { AmqpRpcParamsFactory } from './rpc-params.factory.js';

/** One provider method to run, with its settings resolved. */
interface DiscoveredConsumer {
  name: string;
  metadata: QueueConsumerMetadata;
  handler: MessageHandler;
}

/**
 * Runs `@QueueConsumer` methods of providers (controllers' belong to ServerAMQP). At module init
 * it finds them with Nest's DiscoveryService and resolves their `{ config }` entries and connections
 * (a missing one fails start-up naming it, before any connection opens: this module is initialised
 * before the AmqpModules that import it); at bootstrap it starts them all on the module's connections. Each handler goes through Nest's guards, interceptors, pipes and exception
 * filters, in the 'rpc' context, with `@Payload()` and `@Ctx()` as on a controller.
 */
@Injectable()
export class AmqpConsumerExplorer implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('AmqpModule');
  private readonly paramsFactory = new AmqpRpcParamsFactory();
  private found: DiscoveredConsumer[] = [];

  constructor(
    // Explicit tokens: the design-time types are missing under compilers without decorator metadata (esbuild, tsx).
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(ExternalContextCreator) private readonly contextCreator: ExternalContextCreator,
    @Inject(AmqpConnections) private readonly connections: AmqpConnections,
  ) {
    noteConsumerExplorer();
  }

  /** Finds and resolves first: a missing entry or connection fails before any connection opens. */
  onModuleInit(): void {
    this.found = this.discover();
  }

  async onApplicationBootstrap(): Promise<void> {
    const found = this.found;
    this.found = [];
    if (found.length === 0) return;
    // A connection started in the background: its consumers start when the broker comes, the app does not wait.
    const later = found.filter((consumer) => this.connections.get(consumer.metadata.options.connection, consumer.name).options.startup === 'background');
    const now = found.filter((consumer) => !later.includes(consumer));
    for (const consumer of later) {
      this.connections.startConsumer(consumer.name, 'provider', consumer.metadata, consumer.handler).then(
        () => this.logger.log(`provider consumer started: ${consumer.name}`),
        (error: unknown) => this.logger.error(`provider consumer ${consumer.name} did not start: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    if (now.length === 0) return;
    const started = await Promise.allSettled(
      now.map((consumer) => this.connections.startConsumer(consumer.name, 'provider', consumer.metadata, consumer.handler)),
    );
    const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    this.logger.log(`${now.length} provider consumer(s) started: ${now.map((consumer) => consumer.name).join(', ')}`);
  }

  private discover(): DiscoveredConsumer[] {
    const seen = new Set<object>();
    const found: DiscoveredConsumer[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        const metadata = QueueConsumerMetadataAccessor.fromMethod(method);
        if (metadata === undefined) continue;
        const name = consumerNameOf(metadata);
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
          throw new InvalidArgumentError(
            'scope',
            `${name}: a request- or transient-scoped provider cannot host a @QueueConsumer (a consumer lives as long as the app); make it a singleton`,
          );
        }
        const connection = this.connections.get(metadata.options.connection, `consumer ${name}`);
        // golevelup's registerHandlers: false: this connection only publishes.
        if (connection.options.registerHandlers === false) continue;
        const where = `AmqpModule${connection.name === undefined ? '' : ` "${connection.name}"`} \`consumers\``;
        const resolved = resolveConsumerConfig(metadata, connection.options.consumers, where);
        found.push({ name, metadata: resolved, handler: this.handlerOf(instance, method as (...args: unknown[]) => unknown, methodName) });
      }
    }
    return found;
  }

  private handlerOf(instance: object, method: (...args: unknown[]) => unknown, methodName: string): MessageHandler {
    const run = this.contextCreator.create(instance, method, methodName, ROUTE_ARGS_METADATA, this.paramsFactory, undefined, undefined, undefined, 'rpc');
    const handler = ((data: unknown, context: unknown) => run(data, context)) as MessageHandler;
    handler.isEventHandler = true;
    handler.extras = {};
    return handler;
  }
}
