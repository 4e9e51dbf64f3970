import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { InvalidArgumentError } from '../../protocol/errors.js';
import { UnknownConnectionError } from '../core/consumer.errors.js';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { ConsumerRunner } from '../consume/consumer-runner.js';
import { invokeHandler } from '../consume/handler-invoker.js';
import { describeError } from '../consume/message-identity.js';
import { createQueueConsumerRunner } from '../consume/queue-consumer-factory.js';
import { AmqpConnectionHost } from '../connection/connection-host.js';
import type { ModuleConnectionDirectory, ModuleConsumer } from '../consume/consumer-directory.js';
import type { AmqpModuleOptions } from '../options/amqp-module.options.js';
import type { QueueConsumerOptions } from '../options/queue-consumer.options.js';
import { isStreamConsumer } from '../options/consumer-pipeline.validate.js';
import type { AmqpPublisher } from './amqp-publisher.js';

/** One `AmqpModule.forRoot/forRootAsync` of the app: its name, resolved options and publisher. */
export interface AmqpModuleConnection {
  /** undefined for the unnamed module. */
  readonly name: string | undefined;
  readonly options: AmqpModuleOptions;
  readonly publisher: AmqpPublisher;
}

/** Where a consumer the module runs came from. */
export type ModuleConsumerSource = ModuleConsumer['source'];

/** How long shutdown waits for a module consumer's in-flight handlers (as ServerAMQP's default). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * The app's AmqpModule connections (one per forRoot / forRootAsync, by name) and the consumers the
 * module runs on them. Consumers share the module's connection with its publisher (same
 * `connectionKey`), each on its own channel, and stop before the publisher lets go of it: on
 * shutdown they are cancelled, their in-flight handlers drained, then their channels closed.
 */
@Injectable()
export class AmqpConnections implements BeforeApplicationShutdown, ModuleConnectionDirectory {
  private readonly logger = new Logger('AmqpModule');
  private readonly entries = new Map<string | undefined, AmqpModuleConnection>();
  private readonly hosts = new Map<string | undefined, Promise<AmqpConnectionHost>>();
  private readonly running: ModuleConsumer[] = [];
  private readonly shutdown = new AbortController();

  /** @internal Called by each forRoot module when its providers are created. */
  register(connection: AmqpModuleConnection): AmqpModuleConnection {
    if (this.entries.has(connection.name)) {
      throw new InvalidArgumentError(
        'name',
        connection.name === undefined
          ? 'the app imports two different unnamed AmqpModule.forRoot/forRootAsync: give one a `name`'
          : `the app imports two different AmqpModule.forRoot/forRootAsync named "${connection.name}"`,
      );
    }
    this.entries.set(connection.name, connection);
    return connection;
  }

  /** Every module connection of the app. */
  list(): AmqpModuleConnection[] {
    return [...this.entries.values()];
  }

  /** The connection `name` (the unnamed one for undefined); throws UnknownConnectionError naming `usedBy`. */
  get(name: string | undefined, usedBy: string): AmqpModuleConnection {
    const entry = this.entries.get(name);
    if (entry !== undefined) return entry;
    const known = [...this.entries.keys()].map((key) => key ?? '(unnamed)');
    throw new UnknownConnectionError(name ?? '(unnamed)', known, usedBy);
  }

  /** The consumers the module runs now. */
  get consumers(): readonly ModuleConsumer[] {
    return this.running;
  }

  /**
   * Starts a consumer on its connection (`metadata.options.connection`). Resolves once it consumes;
   * rejects, having closed its channel, when a declaration or the consume fails.
   */
  async startConsumer(name: string, source: ModuleConsumerSource, metadata: QueueConsumerMetadata, handler: MessageHandler): Promise<ModuleConsumer> {
    if (this.shutdown.signal.aborted) throw new InvalidArgumentError('name', `cannot start ${name}: the app is shutting down`);
    const connection = metadata.options.connection;
    const entry = this.get(connection, `consumer ${name}`);
    const host = await this.hostOf(entry);
    const runner = createQueueConsumerRunner({
      handler,
      metadata: withDefaults(metadata, entry.options),
      host,
      run: invokeHandler,
      logger: this.logger,
      shutdown: this.shutdown.signal,
      name,
      onLost: (lost, error) => {
        if (!this.shutdown.signal.aborted) this.logger.error(`${lost.spec.label} stopped consuming: ${describeError(error)}`);
      },
    });
    await runner.start();
    const consumer: ModuleConsumer = { name, source, connection, runner };
    this.running.push(consumer);
    return consumer;
  }

  /** Cancels a consumer, waits for its in-flight handlers, closes its channel and forgets it. */
  async stopConsumer(consumer: ModuleConsumer): Promise<void> {
    const index = this.running.indexOf(consumer);
    if (index >= 0) this.running.splice(index, 1);
    await stopRunners([consumer.runner], this.logger);
  }

  /** Stops every module consumer before the publishers release the connection (onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort();
    const runners = this.running.splice(0).map((consumer) => consumer.runner);
    await stopRunners(runners, this.logger);
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all(hosts.map((opening) => opening.then((host) => host.release(), () => undefined)));
  }

  private async hostOf(entry: AmqpModuleConnection): Promise<AmqpConnectionHost> {
    const existing = this.hosts.get(entry.name);
    if (existing !== undefined) {
      const host = await existing.catch(() => undefined);
      // Closed for good (recovery off or given up): a consumer added now gets a fresh connection.
      if (host !== undefined && host.status !== 'disconnected') return host;
      if (this.hosts.get(entry.name) === existing) {
        this.hosts.delete(entry.name);
        await host?.release();
      }
      return this.hostOf(entry);
    }
    // A background start-up keeps trying until the broker comes (or the app shuts down).
    const startup = entry.options.startup === 'background' ? { startupTimeout: Number.POSITIVE_INFINITY } : undefined;
    const opening = AmqpConnectionHost.acquire(entry.options, this.shutdown.signal, startup);
    this.hosts.set(entry.name, opening);
    opening.catch(() => {
      if (this.hosts.get(entry.name) === opening) this.hosts.delete(entry.name);
    });
    return opening;
  }
}

/**
 * The module's consumer defaults (`consumerDefaults`, or golevelup's `prefetchCount` /
 * `defaultSubscribeErrorBehavior`) under the consumer's own options, where they apply: not the
 * error policy of a stream consumer (it cannot nack), not a prefetch smaller than a batch.
 */
function withDefaults(metadata: QueueConsumerMetadata, options: AmqpModuleOptions): QueueConsumerMetadata {
  const defaults = options.consumerDefaults;
  if (defaults === undefined) return metadata;
  const own = metadata.options;
  const extra: Partial<QueueConsumerOptions> = {};
  const batchSize = own.batch?.size ?? 0;
  if (own.prefetch === undefined && defaults.prefetch !== undefined && (defaults.prefetch === 0 || defaults.prefetch >= batchSize)) {
    extra.prefetch = defaults.prefetch;
  }
  if (own.onError === undefined && defaults.onError !== undefined && !isStreamConsumer(own)) extra.onError = defaults.onError;
  return Object.keys(extra).length === 0 ? metadata : { ...metadata, options: { ...extra, ...own } };
}

async function stopRunners(runners: ConsumerRunner[], logger: Logger): Promise<void> {
  await Promise.all(runners.map((runner) => runner.cancel()));
  const drained = await Promise.all(runners.map((runner) => runner.drain(SHUTDOWN_TIMEOUT_MS)));
  runners.forEach((runner, index) => {
    if (drained[index] === false) {
      logger.warn(`${runner.spec.label}: ${runner.inFlightCount} handler(s) still running after ${SHUTDOWN_TIMEOUT_MS} ms; closing the channel returns their messages to the queue`);
    }
  });
  await Promise.all(runners.map((runner) => runner.close()));
}
