/**
 * The one place that reads an RmqOptions-shaped object (Transport.RMQ's options, or this package's
 * superset of them) for ServerAMQP and ClientAMQP: every key checked at construction (unknown keys
 * named, with a "did you mean"), amqplib's shortcuts and URL objects and amqp-connection-manager's
 * socket options turned into this package's options, and what cannot be honoured refused by name.
 */
import { readConsumerTimeout, readHealing } from './consumer-healing.options.js';
import { InvalidOptionError } from '../../protocol/errors.js';
import type { AmqpClientOptions } from './amqp-client.options.js';
import type { ServerAMQPOptions } from './server-amqp.options.js';
import type { AmqpConnectionOptions } from './connection-options.js';
import { normalizeUrls } from './amqp-url.js';
import { checkMin, checkObject, type OptionKind } from './option-check.js';
import type { OptionWarnings } from './option-warnings.js';
import { readQueueOptions } from './queue-options.js';
import { readSocketOptions } from './socket-options.js';
import { readConsumerEntries } from './queue-consumer-options.reader.js';

/** Start-up waits this long in all for a broker that is not there yet. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
/** -1: no limit on start-up attempts (the timeout bounds them), as Transport.RMQ's consumer. */
export const UNLIMITED_ATTEMPTS = -1;

export const CONNECTION_SCHEMA: Readonly<Record<keyof AmqpConnectionOptions, OptionKind>> = {
  urls: 'any', // normalizeUrls checks it, with a hint for a lone string
  connectionOptions: 'object',
  connectionName: 'string',
  connectionKey: 'string',
  recovery: 'any',
  maxConnectionAttempts: 'integer',
  startupTimeout: 'number',
  logger: 'any', // a LoggerService: a class instance, not a plain object
};

// Typed by the interfaces' keys: a new option without an entry here does not compile.
const SERVER_SCHEMA: Readonly<Record<keyof ServerAMQPOptions, OptionKind>> = {
  ...CONNECTION_SCHEMA,
  queue: 'string',
  queueOptions: 'object',
  deadLetterQueue: 'any', // a queue name, or false to opt out
  consumers: 'object',
  noAssert: 'boolean',
  prefetchCount: 'integer',
  isGlobalPrefetchCount: 'boolean',
  noAck: 'boolean',
  exchange: 'string',
  exchangeType: 'string',
  exchangeArguments: 'object',
  routingKey: 'string-or-string[]',
  wildcards: 'boolean',
  socketOptions: 'object',
  patternHeader: 'string',
  consumerTag: 'string',
  healing: 'any', // an object, or false (checked by readHealing)
  maxInFlightBytes: 'integer',
  consumerTimeoutMs: 'integer',
  shutdownTimeout: 'number',
  serializer: 'any',
  deserializer: 'any',
  replyQueue: 'string',
  persistent: 'boolean',
  headers: 'object',
};

const CLIENT_SCHEMA: Readonly<Record<keyof AmqpClientOptions, OptionKind>> = {
  ...CONNECTION_SCHEMA,
  queue: 'string',
  queueOptions: 'object',
  noAssert: 'boolean',
  exchange: 'string',
  exchangeType: 'string',
  exchangeArguments: 'object',
  routingKey: 'string',
  wildcards: 'boolean',
  replyQueue: 'string',
  prefetchCount: 'integer',
  isGlobalPrefetchCount: 'boolean',
  noAck: 'boolean',
  consumerTag: 'string',
  timeout: 'number',
  persistent: 'boolean',
  headers: 'object',
  socketOptions: 'object',
  serializer: 'any',
  deserializer: 'any',
};

/**
 * ServerAMQP's options, checked and normalized; start-up waits for the broker unless told otherwise.
 * Options accepted but ignored (Nest's index signatures) are added to `warnings`.
 */
export function readServerOptions(options: unknown, warnings: OptionWarnings = []): ServerAMQPOptions {
  const given = checkObject('', options ?? {}, SERVER_SCHEMA) as ServerAMQPOptions;
  checkMin('prefetchCount', given.prefetchCount, 0);
  readHealing('healing', given.healing);
  checkMin('maxInFlightBytes', given.maxInFlightBytes, 1);
  readConsumerTimeout('consumerTimeoutMs', given.consumerTimeoutMs);
  const out: ServerAMQPOptions = { ...given, ...readConnection(given, UNLIMITED_ATTEMPTS, warnings) };
  const queueOptions = readQueueOptions('queueOptions', given.queueOptions, warnings);
  if (queueOptions === undefined) delete out.queueOptions;
  else out.queueOptions = queueOptions;
  delete out.socketOptions;
  // Every entry checked now, as AmqpModule's are: a typo in one no consumer uses yet still fails.
  const consumers = readConsumerEntries('consumers', given.consumers, warnings);
  if (consumers !== undefined) out.consumers = consumers;
  return out;
}

/**
 * ClientAMQP's options, checked and normalized; `connect()` waits for a late broker as ServerAMQP's
 * start-up does (bounded by `startupTimeout`). Options accepted but ignored are added to `warnings`.
 */
export function readClientOptions(options: unknown, warnings: OptionWarnings = []): AmqpClientOptions {
  const given = checkObject('', options ?? {}, CLIENT_SCHEMA) as AmqpClientOptions;
  checkMin('prefetchCount', given.prefetchCount, 0);
  if (given.noAck === false) {
    // The server's setting, in an object shared by both sides (as Nest's docs share it): ClientRMQ
    // would ask direct reply-to for acks, which RabbitMQ refuses; here replies stay no-ack.
    warnings.push({
      option: 'noAck',
      reason: "a consumer setting of the server: the client's replies are consumed in no-ack mode (RabbitMQ requires it for direct reply-to, and ClientRMQ never acks them)",
    });
  }
  const out: AmqpClientOptions = { ...given, ...readConnection(given, UNLIMITED_ATTEMPTS, warnings) };
  const queueOptions = readQueueOptions('queueOptions', given.queueOptions, warnings);
  if (queueOptions === undefined) delete out.queueOptions;
  else out.queueOptions = queueOptions;
  delete out.socketOptions;
  return out;
}

export type ConnectionPart = Pick<
  AmqpConnectionOptions,
  'urls' | 'connectionOptions' | 'connectionName' | 'recovery' | 'maxConnectionAttempts' | 'startupTimeout'
>;

/**
 * The connection options shared by every entry point: URLs, socket options (Nest's `socketOptions`,
 * or golevelup's `connectionManagerOptions` under `socketPath`), start-up bounds, recovery.
 */
export function readConnection(
  given: AmqpConnectionOptions & { socketOptions?: unknown },
  defaultAttempts: number,
  warnings: OptionWarnings,
  socketPath = 'socketOptions',
): ConnectionPart {
  const urls = normalizeUrls('urls', given.urls);
  const hasTls = urls?.some((url) => url.toLowerCase().startsWith('amqps:')) ?? false;
  const socket = readSocketOptions(socketPath, given.socketOptions, hasTls, warnings);
  const attempts = given.maxConnectionAttempts ?? defaultAttempts;
  if (attempts !== UNLIMITED_ATTEMPTS && attempts < 1) {
    throw new InvalidOptionError('maxConnectionAttempts', `must be -1 (no limit) or an integer >= 1, got ${attempts}`);
  }
  const startupTimeout = given.startupTimeout ?? DEFAULT_STARTUP_TIMEOUT_MS;
  if (!(startupTimeout > 0)) throw new InvalidOptionError('startupTimeout', `must be > 0 (milliseconds), got ${startupTimeout}`);
  const connectionOptions = { ...socket.connectionOptions, ...given.connectionOptions };
  const out: ConnectionPart = { maxConnectionAttempts: attempts, startupTimeout };
  if (urls !== undefined) out.urls = urls;
  if (Object.keys(connectionOptions).length > 0) out.connectionOptions = connectionOptions;
  const name = given.connectionName ?? socket.connectionOptions.connectionName;
  if (name !== undefined) out.connectionName = name;
  if (given.recovery !== undefined) out.recovery = given.recovery;
  if (socket.retryDelayMs !== undefined && given.recovery !== false) {
    // amqp-connection-manager waits a fixed time between attempts: the backoff's bound stays there.
    out.recovery = { ...given.recovery, initialDelayMs: socket.retryDelayMs, maxDelayMs: socket.retryDelayMs, multiplier: 1 };
  }
  return out;
}
