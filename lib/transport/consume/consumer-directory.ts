/**
 * Who is consuming in this process, for the parts that report on or control consumers (health, the
 * consumer registry) without depending on the entry points that run them: each listening ServerAMQP
 * registers itself here, and AmqpModule provides its connections under {@link AMQP_MODULE_CONNECTIONS}.
 */
import type { AmqpConnection, AmqpStatus } from '../core/connection-types.js';
import type { ConsumerRunner } from './consumer-runner.js';

/** What a server reports to a health check: no connection is opened to answer it. */
export interface ServerAMQPHealth {
  /** The connection's status ('idle' before listen). */
  connection: AmqpStatus | 'idle';
  connected: boolean;
  /** Consumers currently consuming (one per @QueueConsumer, plus the default queue's). */
  consumers: number;
  /** Consumers the server started (a difference with `consumers` means some were lost). */
  expectedConsumers: number;
  queues: string[];
  /** Consumers restarting after the broker ended them (not counted in `consumers`), by label; absent when none. */
  healing?: string[];
}

/** A listening server as health and the registry see it (ServerAMQP is one). */
export interface ListeningServer {
  getHealth(): ServerAMQPHealth;
  /** The server's connection (throws once the server has closed). */
  unwrap(): AmqpConnection;
  readonly consumerRunners: readonly ConsumerRunner[];
}

/** The servers listening in this process, in the order they started. */
export const listeningServers = new Set<ListeningServer>();

/** A consumer AmqpModule runs: a provider's `@QueueConsumer`, or one added at run time. */
export interface ModuleConsumer {
  readonly name: string;
  readonly source: 'provider' | 'runtime';
  /** The AmqpModule connection it runs on (undefined = the unnamed one). */
  readonly connection: string | undefined;
  readonly runner: ConsumerRunner;
}

/** One AmqpModule connection as health sees it: its name and its publisher's state. */
export interface ModuleConnectionEntry {
  /** undefined for the unnamed module. */
  readonly name: string | undefined;
  readonly publisher: {
    getHealth(): { connection: AmqpStatus | 'idle'; connected: boolean };
    readonly connection: AmqpConnection;
  };
}

/** The app's AmqpModule connections and the consumers running on them. */
export interface ModuleConnectionDirectory {
  list(): readonly ModuleConnectionEntry[];
  readonly consumers: readonly ModuleConsumer[];
}

/** The injection token under which AmqpModule provides its {@link ModuleConnectionDirectory}. */
export const AMQP_MODULE_CONNECTIONS = Symbol.for('nestjs-amqp-transport:module-connections');
