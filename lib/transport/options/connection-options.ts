import type { LoggerService } from '@nestjs/common';
import type { ConnectionParametersOptions } from '../../protocol/parameters/index.js';
import type { RecoveryOptions } from '../../protocol/recovery/index.js';
import type { AmqpUrl } from './amqp-url.js';

/**
 * How the Nest layer reaches the broker: shared by ServerAMQP, ClientAMQP and AmqpModule.
 * `urls` are tried in order (a RabbitMQ cluster is a list of its nodes).
 */
export interface AmqpConnectionOptions {
  /**
   * Broker URLs, tried in order: strings, or amqplib's URL objects (Nest's `RmqUrl`).
   * @default ['amqp://guest:guest@localhost:5672']
   */
  urls?: Array<string | AmqpUrl>;
  /** Engine parameters applied over every URL's (heartbeat, frameMax, tls, ...). */
  connectionOptions?: ConnectionParametersOptions;
  /** Shown in the broker's management UI and `rabbitmqctl list_connections`. */
  connectionName?: string;
  /**
   * Connections with the same name (and URLs) are shared inside one process: a server and a publisher
   * in the same app use one connection. @default 'default'
   */
  connectionKey?: string;
  /**
   * Automatic recovery after an unexpected loss: reconnect with backoff, restore channels, topology
   * and consumers. `false` (or `{ enabled: false }`) turns it off. @default on, the engine's defaults
   */
  recovery?: RecoveryOptions | false;
  /**
   * Connection attempts at start-up (each one a pass over `urls`) before giving up; -1 = no limit
   * (then `startupTimeout` bounds the wait). Attempts are spaced by the recovery backoff, or by
   * `socketOptions.reconnectTimeInSeconds`.
   * @default -1 for ServerAMQP (it waits for a broker that starts after the app, as Transport.RMQ does), 1 for ClientAMQP and AmqpModule
   */
  maxConnectionAttempts?: number;
  /** Milliseconds the start-up may wait for the broker in all. @default 60000 */
  startupTimeout?: number;
  /**
   * Where this part's logs go (the app's logger, e.g. `app.get(Logger)` or a pino/winston adapter),
   * under its own context: ServerAMQP, ClientAMQP, AmqpPublisher, or the queue a consumer serves.
   * Logged text is escaped (no control characters) and bounded. @default Nest's Logger
   */
  logger?: LoggerService;
}
