/**
 * The one reader of AmqpModule's options (forRoot, and what a forRootAsync factory returns): the
 * same checker as ServerAMQP's (unknown keys named with a "did you mean", values of the wrong kind
 * refused), the connection read as ServerAMQP reads it (so a late broker is waited for the same
 * way), and golevelup's option names turned into this package's, warned or refused by name
 * (docs/migrating-from-golevelup.md has the table).
 */
import { InvalidOptionError, UnsupportedOptionError } from '../../protocol/errors.js';
import type { AmqpConsumerDefaults, AmqpModuleOptions } from './amqp-module.options.js';
import type { AmqpExchangeDefinition } from './exchange-definition.js';
import type { GolevelupModuleOptions, TransportRmqModuleOptions } from './golevelup-options.js';
import { readQueueOptions } from './queue-options.js';
import { checkMin, checkObject, isPlainObject, kindOf, type OptionKind } from './option-check.js';
import type { OptionWarnings } from './option-warnings.js';
import { errorBehaviorAction, readConsumerEntries, EXCHANGE_SCHEMA } from './queue-consumer-options.reader.js';
import { CONNECTION_SCHEMA, readConnection, UNLIMITED_ATTEMPTS } from './rmq-options.reader.js';

/** AmqpModule's options as read: what the module acts on. */
export interface ResolvedModuleOptions extends AmqpModuleOptions {
  /** With golevelup's `connectionInitOptions.reject: false`: how long the start waits before going on in the background. */
  startupWaitMs?: number;
}

type OwnModuleOptions = Omit<AmqpModuleOptions, keyof GolevelupModuleOptions | keyof TransportRmqModuleOptions>;

// Typed by the interfaces' keys: a new option without an entry here does not compile.
const OWN_SCHEMA: Readonly<Record<keyof OwnModuleOptions, OptionKind>> = {
  ...CONNECTION_SCHEMA,
  exchanges: 'array',
  queues: 'array',
  bindings: 'array',
  persistent: 'boolean',
  headers: 'object',
  requestTimeout: 'number',
  serializer: 'any', // an object with serialize(), or golevelup's function
  consumers: 'object',
  startup: 'string',
  socketOptions: 'object',
  consumerDefaults: 'object',
};

const GOLEVELUP_SCHEMA: Readonly<Record<keyof GolevelupModuleOptions, OptionKind>> = {
  uri: 'string-or-string[]',
  connectionInitOptions: 'object',
  connectionManagerOptions: 'object',
  prefetchCount: 'integer',
  defaultRpcTimeout: 'number',
  defaultExchangeType: 'string',
  defaultSubscribeErrorBehavior: 'string',
  defaultRpcErrorBehavior: 'string',
  channels: 'object',
  registerHandlers: 'boolean',
  enableDirectReplyTo: 'boolean',
  enableControllerDiscovery: 'boolean',
  handlers: 'object',
};

const TRANSPORT_RMQ_SCHEMA: Readonly<Record<keyof TransportRmqModuleOptions, OptionKind>> = {
  queue: 'string',
  queueOptions: 'object',
  noAssert: 'boolean',
  exchange: 'string',
  exchangeType: 'string',
  exchangeArguments: 'object',
  wildcards: 'boolean',
  noAck: 'boolean',
  isGlobalPrefetchCount: 'boolean',
  consumerTag: 'string',
  routingKey: 'string',
  replyQueue: 'string',
};

const SERVER_ONLY = "a Transport.RMQ server's consumer option: AmqpModule has no default-queue consumer (a @QueueConsumer takes its own options)";
const RMQ_NOTHING_TO_DO: Partial<Record<keyof TransportRmqModuleOptions, string>> = {
  noAck: SERVER_ONLY,
  isGlobalPrefetchCount: SERVER_ONLY,
  consumerTag: SERVER_ONLY,
  routingKey: "a Transport.RMQ server's binding: bind queues with `bindings`",
  replyQueue: 'AmqpPublisher.request always uses direct reply-to',
};

/** golevelup keys that only say something golevelup needed: accepted, warned (why), dropped. */
const NOTHING_TO_DO: Partial<Record<keyof GolevelupModuleOptions, string>> = {
  enableControllerDiscovery: "controllers' consumers run with ServerAMQP, providers' with AmqpModule: nothing to enable",
  defaultRpcErrorBehavior: "consumers are not split into RPC and subscribe handlers here: set onError per consumer (or consumerDefaults.onError)",
};

const SCHEMA: Readonly<Record<string, OptionKind>> = { ...OWN_SCHEMA, ...GOLEVELUP_SCHEMA, ...TRANSPORT_RMQ_SCHEMA, deserializer: 'any' };

const MODULE_EXCHANGE_SCHEMA: Readonly<Record<string, OptionKind>> = {
  ...EXCHANGE_SCHEMA,
  // golevelup's exchange config
  options: 'object',
  createExchangeIfNotExists: 'boolean',
};
const EXCHANGE_OPTIONS_SCHEMA: Readonly<Record<string, OptionKind>> = {
  durable: 'boolean',
  internal: 'boolean',
  autoDelete: 'boolean',
  alternateExchange: 'string',
  arguments: 'object',
};
const QUEUE_SCHEMA: Readonly<Record<string, OptionKind>> = { name: 'string', durable: 'boolean', exclusive: 'boolean', autoDelete: 'boolean', arguments: 'object' };
const BINDING_SCHEMA: Readonly<Record<string, OptionKind>> = {
  exchange: 'string',
  queue: 'string',
  destinationExchange: 'string',
  routingKey: 'string',
  arguments: 'object',
};
const INIT_SCHEMA: Readonly<Record<string, OptionKind>> = { wait: 'boolean', timeout: 'number', reject: 'boolean' };
const CHANNEL_SCHEMA: Readonly<Record<string, OptionKind>> = { prefetchCount: 'integer', default: 'boolean' };
const DEFAULTS_SCHEMA: Readonly<Record<keyof AmqpConsumerDefaults, OptionKind>> = { prefetch: 'integer', onError: 'string' };

/** AmqpModule's options, checked and normalized; accepted-but-ignored options are added to `warnings`. */
export function readModuleOptions(options: unknown, warnings: OptionWarnings = []): ResolvedModuleOptions {
  const given = checkObject('', options ?? {}, SCHEMA) as AmqpModuleOptions & { deserializer?: unknown };
  const out: ResolvedModuleOptions = { ...given };
  for (const key of [...Object.keys(GOLEVELUP_SCHEMA), ...Object.keys(TRANSPORT_RMQ_SCHEMA)]) delete (out as Record<string, unknown>)[key];
  delete (out as Record<string, unknown>)['deserializer'];
  if (given.deserializer !== undefined) {
    throw new UnsupportedOptionError('deserializer', 'consumers decode by content type here; a request reply is decoded by serializer.deserialize');
  }

  one(given, 'urls', 'uri');
  if (given.uri !== undefined) out.urls = typeof given.uri === 'string' ? [given.uri] : given.uri;
  one(given, 'socketOptions', 'connectionManagerOptions');
  const socketPath = given.connectionManagerOptions === undefined ? 'socketOptions' : 'connectionManagerOptions';
  const socketOptions = given.socketOptions ?? given.connectionManagerOptions;
  Object.assign(out, readConnection({ ...out, socketOptions }, UNLIMITED_ATTEMPTS, warnings, socketPath));
  delete out.socketOptions;
  readStartup(given, out);

  const requestTimeout = one(given, 'requestTimeout', 'defaultRpcTimeout');
  if (requestTimeout !== undefined) {
    if (!(requestTimeout > 0)) throw new InvalidOptionError(given.defaultRpcTimeout === undefined ? 'requestTimeout' : 'defaultRpcTimeout', `must be > 0 (milliseconds), got ${requestTimeout}`);
    out.requestTimeout = requestTimeout;
  }
  readSerializer(given, out);
  if (given.exchanges !== undefined) out.exchanges = given.exchanges.map((exchange, index) => readExchange(`exchanges[${index}]`, exchange, given.defaultExchangeType));
  given.queues?.forEach((queue, index) => checkObject(`queues[${index}]`, queue, QUEUE_SCHEMA));
  readTransportRmq(given, out, warnings);
  given.bindings?.forEach((binding, index) => checkObject(`bindings[${index}]`, binding, BINDING_SCHEMA));
  readConsumerSettings(given, out, warnings);

  if (given.enableDirectReplyTo === false) {
    warnings.push({ option: 'enableDirectReplyTo', reason: 'AmqpPublisher.request always uses direct reply-to (it costs nothing when unused)' });
  }
  if (given.registerHandlers !== undefined) out.registerHandlers = given.registerHandlers;
  for (const [key, reason] of Object.entries({ ...NOTHING_TO_DO, ...RMQ_NOTHING_TO_DO })) {
    if ((given as Record<string, unknown>)[key] !== undefined) warnings.push({ option: key, reason });
  }
  return out;
}

/** The value of `ours` or of golevelup's `theirs`: refused when both are given. */
function one<K extends keyof AmqpModuleOptions, G extends keyof AmqpModuleOptions>(given: AmqpModuleOptions, ours: K, theirs: G): AmqpModuleOptions[K] | AmqpModuleOptions[G] {
  if (given[ours] !== undefined && given[theirs] !== undefined) {
    throw new InvalidOptionError(theirs, `golevelup's name for ${ours}: give one of them, not both`);
  }
  return given[ours] ?? given[theirs];
}

function readStartup(given: AmqpModuleOptions, out: ResolvedModuleOptions): void {
  if (given.startup !== undefined && given.startup !== 'wait' && given.startup !== 'background') {
    throw new InvalidOptionError('startup', `must be 'wait' or 'background', got ${String(given.startup)}`);
  }
  const init = given.connectionInitOptions;
  if (init === undefined) return;
  checkObject('connectionInitOptions', init, INIT_SCHEMA);
  if (init.timeout !== undefined) {
    if (given.startupTimeout !== undefined) throw new InvalidOptionError('connectionInitOptions.timeout', "golevelup's name for startupTimeout: give one of them, not both");
    if (!(init.timeout > 0)) throw new InvalidOptionError('connectionInitOptions.timeout', `must be > 0 (milliseconds), got ${init.timeout}`);
    out.startupTimeout = init.timeout;
  }
  const background = init.wait === false || init.reject === false;
  if (background && given.startup === 'wait') {
    throw new InvalidOptionError('connectionInitOptions', "wait: false or reject: false asks for startup: 'background', which contradicts startup: 'wait'");
  }
  if (init.wait === false) out.startup = 'background';
  else if (init.reject === false) {
    // golevelup: wait up to `timeout`, then start anyway and keep connecting.
    out.startup = 'background';
    out.startupWaitMs = out.startupTimeout;
  }
}

function readSerializer(given: AmqpModuleOptions, out: ResolvedModuleOptions): void {
  const serializer = given.serializer as unknown;
  if (serializer === undefined) return;
  if (typeof serializer === 'function') {
    // golevelup's serializer: (value) => Buffer.
    const encode = serializer as (value: unknown) => unknown;
    out.serializer = {
      serialize: (payload) => {
        const body = encode(payload);
        if (!Buffer.isBuffer(body)) throw new InvalidOptionError('serializer', `must return a Buffer, returned ${kindOf(body)}`);
        return { body };
      },
    };
    return;
  }
  if (!isPlainObject(serializer) && (typeof serializer !== 'object' || serializer === null)) {
    throw new InvalidOptionError('serializer', `must be { serialize(payload), deserialize?(body, contentType) } or a function, got ${kindOf(serializer)}`);
  }
  if (typeof (serializer as { serialize?: unknown }).serialize !== 'function') {
    throw new InvalidOptionError('serializer', 'must have a serialize(payload) method');
  }
}

function readExchange(path: string, value: unknown, defaultType: string | undefined): AmqpExchangeDefinition {
  const given = checkObject(path, value, MODULE_EXCHANGE_SCHEMA) as unknown as AmqpExchangeDefinition & {
    options?: Record<string, unknown>;
    createExchangeIfNotExists?: boolean;
  };
  if (typeof given.name !== 'string') throw new InvalidOptionError(`${path}.name`, `must be a string, got ${kindOf(given.name)}`);
  const { options, createExchangeIfNotExists, ...out } = given;
  if (out.type === undefined && defaultType !== undefined) out.type = defaultType;
  if (options !== undefined) {
    checkObject(`${path}.options`, options, EXCHANGE_OPTIONS_SCHEMA);
    for (const key of ['durable', 'internal', 'autoDelete'] as const) {
      if (options[key] === undefined) continue;
      if (out[key] !== undefined && out[key] !== options[key]) throw new InvalidOptionError(`${path}.options.${key}`, `contradicts ${path}.${key}`);
      out[key] = options[key] as boolean;
    }
    const args = { ...(options['arguments'] as Record<string, unknown> | undefined), ...out.arguments };
    if (options['alternateExchange'] !== undefined) args['alternate-exchange'] = options['alternateExchange'];
    if (Object.keys(args).length > 0) out.arguments = args as AmqpExchangeDefinition['arguments'] & object;
  }
  if (createExchangeIfNotExists === false) out.passive = true;
  return out;
}

/** What ClientRMQ declares on connect, from the same RmqOptions object: its queue and its exchange. */
function readTransportRmq(given: AmqpModuleOptions, out: ResolvedModuleOptions, warnings: OptionWarnings): void {
  const queueOptions = readQueueOptions('queueOptions', given.queueOptions, warnings);
  if (given.queue === undefined && queueOptions !== undefined) throw new InvalidOptionError('queueOptions', 'applies to `queue`, which is not given');
  if (given.queue === '') {
    warnings.push({ option: 'queue', reason: 'a server-named queue declared by a publisher would have no consumer: nothing is declared' });
  } else if (given.queue !== undefined && given.noAssert !== true) {
    const { noAssert: _noAssert, ...declaration } = queueOptions ?? {};
    out.queues = [...(out.queues ?? []), { name: given.queue, ...declaration }];
  }
  const exchange = given.exchange ?? (given.wildcards === true ? given.queue : undefined);
  if (exchange !== undefined && exchange !== '') {
    const definition: AmqpExchangeDefinition = { name: exchange, type: given.exchangeType ?? 'topic' };
    if (given.exchangeArguments !== undefined) definition.arguments = given.exchangeArguments as AmqpExchangeDefinition['arguments'] & object;
    out.exchanges = [...(out.exchanges ?? []), definition];
  } else if (given.exchangeType !== undefined || given.exchangeArguments !== undefined) {
    throw new InvalidOptionError(given.exchangeType === undefined ? 'exchangeArguments' : 'exchangeType', 'applies to `exchange` (or wildcards with a queue), which is not given');
  }
}

function readConsumerSettings(given: AmqpModuleOptions, out: ResolvedModuleOptions, warnings: OptionWarnings): void {
  const defaults: AmqpConsumerDefaults = {};
  if (given.consumerDefaults !== undefined) {
    Object.assign(defaults, checkObject('consumerDefaults', given.consumerDefaults, DEFAULTS_SCHEMA));
  }
  if (given.channels !== undefined) {
    if (!isPlainObject(given.channels)) throw new InvalidOptionError('channels', `must be a plain object of named channels, got ${kindOf(given.channels)}`);
    for (const [name, channel] of Object.entries(given.channels)) {
      const path = `channels.${name}`;
      const read = checkObject(path, channel, CHANNEL_SCHEMA) as { prefetchCount?: number; default?: boolean };
      if (read.default === true && read.prefetchCount !== undefined && given.prefetchCount === undefined) {
        defaults.prefetch ??= read.prefetchCount;
      } else {
        warnings.push({ option: path, reason: "every consumer has its own channel here: set `prefetch` on the consumer (a default channel's prefetchCount is every consumer's default)" });
      }
    }
  }
  if (given.prefetchCount !== undefined) {
    if (given.consumerDefaults?.prefetch !== undefined) throw new InvalidOptionError('prefetchCount', "golevelup's name for consumerDefaults.prefetch: give one of them, not both");
    defaults.prefetch = given.prefetchCount;
  }
  checkMin('consumerDefaults.prefetch', defaults.prefetch, 0);
  if (given.defaultSubscribeErrorBehavior !== undefined) {
    if (given.consumerDefaults?.onError !== undefined) {
      throw new InvalidOptionError('defaultSubscribeErrorBehavior', "golevelup's name for consumerDefaults.onError: give one of them, not both");
    }
    defaults.onError = errorBehaviorAction('defaultSubscribeErrorBehavior', given.defaultSubscribeErrorBehavior);
  } else if (defaults.onError !== undefined && !['dead-letter', 'requeue', 'ack'].includes(defaults.onError)) {
    throw new InvalidOptionError('consumerDefaults.onError', `must be one of dead-letter, requeue, ack, got ${String(defaults.onError)}`);
  }
  if (Object.keys(defaults).length > 0) out.consumerDefaults = defaults;
  else delete out.consumerDefaults;

  const consumers = readConsumerEntries('consumers', given.consumers, warnings);
  const handlers = readConsumerEntries('handlers', given.handlers, warnings);
  if (handlers !== undefined) {
    for (const name of Object.keys(handlers)) {
      if (consumers !== undefined && Object.hasOwn(consumers, name)) throw new InvalidOptionError(`handlers.${name}`, 'is also in consumers: give it once');
    }
  }
  if (consumers !== undefined || handlers !== undefined) out.consumers = { ...handlers, ...consumers };
}
