import { Inject, Injectable, Optional } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { InvalidArgumentError } from '../../protocol/errors.js';
import type { AmqpContext } from '../core/amqp.context.js';
import { validateQueueConsumerOptions, type QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { QueueConsumerOptions } from '../options/queue-consumer.options.js';
import { AmqpConnections } from './amqp-connections.js';
import type { ConsumerRunner, ConsumerState } from '../consume/consumer-runner.js';
import { listeningServers, type ListeningServer } from '../consume/consumer-directory.js';
import { resolveConsumerConfig } from '../consume/consumer-config.resolver.js';
import { UnknownConsumerError } from '../core/consumer.errors.js';

/** Where a consumer came from: a controller (run by ServerAMQP), a provider or a run-time `add` (run by AmqpModule). */
export type AmqpConsumerSource = 'controller' | 'provider' | 'runtime';

/** One consumer as the registry reports it. */
export interface AmqpConsumerInfo {
  /** `Class.method`, the name given to `add`, or `ServerAMQP.defaultQueue`. */
  name: string;
  source: AmqpConsumerSource;
  /** The queue consumed (the broker's current name for a server-named queue). */
  queue: string;
  /** The consumer tag while consuming. */
  consumerTag: string | undefined;
  state: ConsumerState;
  /** Deliveries whose handler has not finished. */
  inFlight: number;
  /** The AmqpModule connection name ('default' for the unnamed one), or 'ServerAMQP'. */
  connection: string;
  /** While 'healing': the restart attempt under way; 0 otherwise. */
  healingAttempt: number;
  /** While 'healing', or down after its restarts failed: why the broker ended it (or the last restart failed). */
  cause: string | undefined;
}

/** A handler added at run time: called with the decoded body and the message's AmqpContext. */
export type AmqpConsumerHandler<T = unknown> = (payload: T, context: AmqpContext) => unknown;

/** What {@link AmqpConsumerRegistry.add} takes: the decorator's arguments, a name and the handler. */
export interface AmqpConsumerDefinition<T = unknown> {
  /** A unique name for control (pause, resume, cancel). */
  name: string;
  /** The queue; or give `config` to take queue and options from the module's `consumers` entry. */
  queue?: string;
  config?: string;
  /** The options `@QueueConsumer` takes (`connection` picks the AmqpModule connection). */
  options?: QueueConsumerOptions;
  handler: AmqpConsumerHandler<T>;
}

interface Entry {
  info: AmqpConsumerSource;
  name: string;
  connection: string;
  runner: ConsumerRunner;
  /** The server running it, for a controller's consumer. */
  server?: ListeningServer;
}

/**
 * Run-time control of the app's consumers: list them, pause and resume one (basic.cancel and a new
 * basic.consume on the same channel: nothing is lost, in-flight handlers still ack, and a paused
 * consumer stays paused across a connection recovery), cancel one for good, or add one.
 *
 * It sees the consumers AmqpModule runs (providers' and added ones) and those of every ServerAMQP
 * listening in the process (controllers'). A name that matches several (the same controller served
 * by two servers) acts on all of them.
 */
@Injectable()
export class AmqpConsumerRegistry {
  constructor(@Optional() @Inject(AmqpConnections) private readonly connections?: AmqpConnections) {}

  /** Every consumer with its queue, tag, state and in-flight count. */
  list(): AmqpConsumerInfo[] {
    return this.entries().map(toInfo);
  }

  /** One consumer's info; throws UnknownConsumerError. */
  get(name: string): AmqpConsumerInfo {
    return toInfo(this.find(name)[0] as Entry);
  }

  /** Stops deliveries to the consumer until {@link resume}; messages stay ready in the queue. */
  async pause(name: string): Promise<void> {
    await Promise.all(this.find(name).map((entry) => entry.runner.pause()));
  }

  /** Consumes again after {@link pause}. */
  async resume(name: string): Promise<void> {
    await Promise.all(this.find(name).map((entry) => entry.runner.resume()));
  }

  /**
   * Cancels the consumer for good: no new deliveries, in-flight handlers finish (and ack), its channel
   * closes. A module consumer is forgotten; a controller's stays listed as 'stopped' until its server closes.
   */
  async cancel(name: string): Promise<void> {
    const entries = this.find(name);
    await Promise.all(
      entries.map(async (entry) => {
        const owned = this.connections?.consumers.find((consumer) => consumer.runner === entry.runner);
        if (owned !== undefined) return this.connections?.stopConsumer(owned);
        await entry.runner.cancel();
        await entry.runner.drain(10_000);
        await entry.runner.close();
      }),
    );
  }

  /**
   * Starts a consumer now, with the same options as `@QueueConsumer` (declarations, bindings, prefetch,
   * ack mode, retry), on an AmqpModule connection. Resolves once it consumes. It lives until cancelled
   * or the app shuts down (it is not re-added on a restart).
   */
  async add<T = unknown>(definition: AmqpConsumerDefinition<T>): Promise<AmqpConsumerInfo> {
    const connections = this.requireConnections();
    const { name, handler } = definition;
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('name', 'must be a non-empty string');
    if (typeof handler !== 'function') throw new InvalidArgumentError('handler', 'must be a function');
    if (this.entries().some((entry) => entry.name === name)) throw new InvalidArgumentError('name', `a consumer named "${name}" already exists`);
    const options = { ...definition.options };
    let metadata: QueueConsumerMetadata;
    if (definition.config !== undefined) {
      if (definition.queue !== undefined) throw new InvalidArgumentError('queue', 'give either queue or config, not both');
      validateQueueConsumerOptions('', options);
      const connection = connections.get(options.connection, `consumer ${name}`);
      metadata = resolveConsumerConfig(
        { queue: '', options, pattern: `amqp-queue-consumer:config=${definition.config}:${name}`, config: definition.config },
        connection.options.consumers,
        `AmqpModule${connection.name === undefined ? '' : ` "${connection.name}"`} \`consumers\``,
      );
    } else {
      if (typeof definition.queue !== 'string') throw new InvalidArgumentError('queue', 'must be a string (or give config)');
      validateQueueConsumerOptions(definition.queue, options);
      metadata = { queue: definition.queue, options, pattern: `amqp-queue-consumer:${definition.queue}:${name}` };
    }
    const messageHandler = ((payload: unknown, context: AmqpContext) => handler(payload as T, context)) as MessageHandler;
    messageHandler.isEventHandler = true;
    messageHandler.extras = {};
    const consumer = await connections.startConsumer(name, 'runtime', metadata, messageHandler);
    return toInfo({ info: 'runtime', name, connection: connectionLabel(consumer.connection), runner: consumer.runner });
  }

  private entries(): Entry[] {
    const entries: Entry[] = [];
    for (const consumer of this.connections?.consumers ?? []) {
      entries.push({ info: consumer.source, name: consumer.name, connection: connectionLabel(consumer.connection), runner: consumer.runner });
    }
    for (const server of listeningServers) {
      for (const runner of server.consumerRunners) {
        entries.push({ info: 'controller', name: runner.spec.name ?? runner.spec.label, connection: 'ServerAMQP', runner, server });
      }
    }
    return entries;
  }

  private find(name: string): Entry[] {
    const entries = this.entries();
    const matches = entries.filter((entry) => entry.name === name);
    if (matches.length === 0) throw new UnknownConsumerError(name, [...new Set(entries.map((entry) => entry.name))]);
    return matches;
  }

  private requireConnections(): AmqpConnections {
    if (this.connections === undefined) {
      throw new InvalidArgumentError('connection', 'adding a consumer needs AmqpModule.forRoot/forRootAsync in the app (its connection runs it)');
    }
    return this.connections;
  }
}

function connectionLabel(name: string | undefined): string {
  return name ?? 'default';
}

function toInfo(entry: Entry): AmqpConsumerInfo {
  const runner = entry.runner;
  // A recovery re-declares a server-named queue under a new name: report the one consumed now.
  let queue = runner.queue;
  try {
    if (entry.server !== undefined) queue = entry.server.unwrap().queueName(queue);
  } catch {
    // the server closed meanwhile: its last name is all there is
  }
  return {
    name: entry.name,
    source: entry.info,
    queue,
    consumerTag: runner.tag,
    state: runner.state,
    inFlight: runner.inFlightCount,
    connection: entry.connection,
    healingAttempt: runner.healing?.attempt ?? 0,
    cause: (runner.healing?.cause ?? runner.downReason)?.message,
  };
}
