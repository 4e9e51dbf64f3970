import type { LoggerService } from '@nestjs/common';
import type { ConnectionParametersOptions } from '../../protocol/parameters/index.js';
import type { RecoveryOptions } from '../../protocol/recovery/index.js';

/**
 * How the Nest layer reaches the broker: shared by ServerAMQP, ClientAMQP and AmqpModule.
 * `urls` are tried in order (a RabbitMQ cluster is a list of its nodes).
 */
export interface AmqpConnectionOptions {
  /** Broker URLs, tried in order. @default ['amqp://guest:guest@localhost:5672'] */
  urls?: string[];
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
   * Where this part's logs go (the app's logger, e.g. `app.get(Logger)` or a pino/winston adapter),
   * under its own context: ServerAMQP, ClientAMQP, AmqpPublisher, or the queue a consumer serves.
   * Logged text is escaped (no control characters) and bounded. @default Nest's Logger
   */
  logger?: LoggerService;
}
