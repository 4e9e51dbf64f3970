/**
 * The one reader of `@QueueConsumer` options and of `consumers` entries (AmqpModule, ServerAMQP):
 * every key checked by name (a typo fails naming the key it most likely meant), golevelup's handler
 * option names turned into this package's (`prefetchCount`, `routingKey`, an `exchange` given by
 * name, `queueOptions`, `errorBehavior`, `createQueueIfNotExists`), what means nothing here warned,
 * what cannot be honoured refused. The semantic checks (ranges, combinations) come after, in
 * queue-consumer.metadata.ts.
 */
import { InvalidOptionError, UnsupportedOptionError } from '../../protocol/errors.js';
import type { FieldTable } from '../../protocol/index.js';
import type { AmqpConsumerConfig } from './amqp-consumer.config.js';
import type { ConsumerErrorAction } from './consumer-pipeline.options.js';
import type { GolevelupErrorBehavior } from './golevelup-options.js';
import { checkKind, checkObject, isPlainObject, kindOf, type OptionKind } from './option-check.js';
import type { OptionWarnings } from './option-warnings.js';
import type { QueueConsumerBinding, QueueConsumerOptions, RetryOptions } from './queue-consumer.options.js';

// Typed by the interface's keys: a new option without an entry here does not compile.
const OWN_SCHEMA: Readonly<Record<keyof QueueConsumerOptions, OptionKind>> = {
  durable: 'boolean',
  exclusive: 'boolean',
  autoDelete: 'boolean',
  passive: 'boolean',
  arguments: 'object',
  deadLetterExchange: 'string',
  deadLetterRoutingKey: 'string',
  messageTtl: 'integer',
  maxLength: 'integer',
  queueType: 'string',
  exchange: 'any', // an exchange definition, or golevelup's exchange name
  routingKeys: 'string-or-string[]',
  bindings: 'array',
  prefetch: 'integer',
  ack: 'string',
  retry: 'object',
  consumerTag: 'string',
  exclusiveConsumer: 'boolean',
  consumerArguments: 'object',
  unwrapNestEnvelope: 'boolean',
  reply: 'boolean',
  onError: 'any', // an action name or a function
  maxRedeliveries: 'integer',
  deadLetterQueue: 'any', // a queue name, or false
  onQueueMismatch: 'string',
  batch: 'object',
  stream: 'object',
  connection: 'string',
  healing: 'any', // false, or the healing bounds (checked by readHealing)
  maxInFlightBytes: 'integer',
  consumerTimeoutMs: 'integer',
};

/** golevelup's handler option names (MessageHandlerOptions). */
const GOLEVELUP_SCHEMA: Readonly<Record<string, OptionKind>> = {
  prefetchCount: 'integer',
  routingKey: 'string-or-string[]',
  queueOptions: 'object',
  errorBehavior: 'string',
  createQueueIfNotExists: 'boolean',
  allowNonJsonMessages: 'boolean',
  errorHandler: 'function',
  assertQueueErrorHandler: 'function',
  name: 'string',
  type: 'string',
};

const SCHEMA: Readonly<Record<string, OptionKind>> = { ...OWN_SCHEMA, ...GOLEVELUP_SCHEMA };
const ENTRY_SCHEMA: Readonly<Record<string, OptionKind>> = { ...SCHEMA, queue: 'string' };

/** An exchange definition's keys (a consumer's `exchange`, AmqpModule's `exchanges`). */
export const EXCHANGE_SCHEMA: Readonly<Record<string, OptionKind>> = {
  name: 'string',
  type: 'string',
  durable: 'boolean',
  autoDelete: 'boolean',
  internal: 'boolean',
  arguments: 'object',
  passive: 'boolean',
};
const BINDING_SCHEMA: Readonly<Record<string, OptionKind>> = { exchange: 'string', routingKey: 'string', arguments: 'object' };
// Typed by RetryOptions' keys, as OWN_SCHEMA: a new retry option without an entry does not compile.
const RETRY_SCHEMA: Readonly<Record<keyof RetryOptions, OptionKind>> = {
  attempts: 'integer',
  delay: 'number',
  backoff: 'number',
  maxDelay: 'number',
  jitter: 'number',
  via: 'string',
};
const BATCH_SCHEMA: Readonly<Record<string, OptionKind>> = { size: 'integer', timeout: 'number', onError: 'string' };
const STREAM_SCHEMA: Readonly<Record<string, OptionKind>> = {
  offset: 'any',
  tracking: 'string',
  onError: 'string',
  maxAge: 'string',
  maxLengthBytes: 'integer',
  maxSegmentSizeBytes: 'integer',
};

/** golevelup's handler `queueOptions`. */
const GOLEVELUP_QUEUE_SCHEMA: Readonly<Record<string, OptionKind>> = {
  durable: 'boolean',
  exclusive: 'boolean',
  autoDelete: 'boolean',
  arguments: 'object',
  messageTtl: 'integer',
  expires: 'integer',
  deadLetterExchange: 'string',
  deadLetterRoutingKey: 'string',
  maxLength: 'integer',
  maxPriority: 'integer',
  bindQueueArguments: 'object',
  channel: 'string',
};

const ERROR_BEHAVIORS: Readonly<Record<GolevelupErrorBehavior, ConsumerErrorAction>> = { ACK: 'ack', NACK: 'dead-letter', REQUEUE: 'requeue' };

/** golevelup's error behaviour as this package's `onError` action; refuses an unknown one naming `path`. */
export function errorBehaviorAction(path: string, value: unknown): ConsumerErrorAction {
  const key = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (key === undefined || !Object.hasOwn(ERROR_BEHAVIORS, key)) {
    throw new InvalidOptionError(path, `must be one of ${Object.keys(ERROR_BEHAVIORS).join(', ')}, got ${typeof value === 'string' ? value : kindOf(value)}`);
  }
  return ERROR_BEHAVIORS[key as GolevelupErrorBehavior];
}

/** `@QueueConsumer` options, checked and normalized (`path` prefixes the names in errors and warnings). */
export function readQueueConsumerOptions(path: string, value: unknown, warnings: OptionWarnings): QueueConsumerOptions {
  return read(path, value ?? {}, SCHEMA, warnings) as QueueConsumerOptions;
}

/** A `consumers` entry: a queue and the options `@QueueConsumer` takes. */
export function readConsumerEntry(path: string, value: unknown, warnings: OptionWarnings): AmqpConsumerConfig {
  const entry = read(path, value, ENTRY_SCHEMA, warnings);
  if (typeof entry['queue'] !== 'string') throw new InvalidOptionError(join(path, 'queue'), `must be a string, got ${kindOf(entry['queue'])}`);
  return entry as unknown as AmqpConsumerConfig;
}

/** Every entry of a `consumers` setting, checked; undefined stays undefined. */
export function readConsumerEntries(path: string, value: unknown, warnings: OptionWarnings): Record<string, AmqpConsumerConfig> | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new InvalidOptionError(path, `must be a plain object of named entries, got ${kindOf(value)}`);
  return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, readConsumerEntry(`${path}.${name}`, entry, warnings)]));
}

function read(path: string, value: unknown, schema: Readonly<Record<string, OptionKind>>, warnings: OptionWarnings): Record<string, unknown> {
  const given = checkObject(path, value, schema);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(given)) if (v !== undefined && !Object.hasOwn(GOLEVELUP_SCHEMA, key)) out[key] = v;
  readNested(path, given, out);
  readGolevelup(path, given, out, warnings);
  return out;
}

function readNested(path: string, given: Record<string, unknown>, out: Record<string, unknown>): void {
  const exchange = given['exchange'];
  if (exchange !== undefined && typeof exchange !== 'string') {
    checkObject(join(path, 'exchange'), exchange, EXCHANGE_SCHEMA);
    if ((exchange as { passive?: boolean }).passive === true) {
      throw new UnsupportedOptionError(join(path, 'exchange.passive'), 'a consumer declares its exchange; to bind to one declared elsewhere, give `bindings` (or `exchange` by name)');
    }
  }
  const bindings = given['bindings'];
  if (Array.isArray(bindings)) bindings.forEach((binding, index) => checkObject(`${join(path, 'bindings')}[${index}]`, binding, BINDING_SCHEMA));
  if (given['retry'] !== undefined) checkObject(join(path, 'retry'), given['retry'], RETRY_SCHEMA);
  if (given['batch'] !== undefined) checkObject(join(path, 'batch'), given['batch'], BATCH_SCHEMA);
  if (given['stream'] !== undefined) checkObject(join(path, 'stream'), given['stream'], STREAM_SCHEMA);
  if (given['queueType'] !== undefined) checkKind(join(path, 'queueType'), given['queueType'], 'string');
  void out;
}

function readGolevelup(path: string, given: Record<string, unknown>, out: Record<string, unknown>, warnings: OptionWarnings): void {
  const both = (ours: string, theirs: string): void => {
    if (given[ours] !== undefined && given[theirs] !== undefined) {
      throw new InvalidOptionError(join(path, theirs), `golevelup's name for ${ours}: give one of them, not both`);
    }
  };
  if (given['prefetchCount'] !== undefined) {
    both('prefetch', 'prefetchCount');
    out['prefetch'] = given['prefetchCount'];
  }
  if (given['errorBehavior'] !== undefined) {
    both('onError', 'errorBehavior');
    out['onError'] = errorBehaviorAction(join(path, 'errorBehavior'), given['errorBehavior']);
  }
  if (given['createQueueIfNotExists'] === false) {
    if (given['passive'] === false) throw new InvalidOptionError(join(path, 'createQueueIfNotExists'), 'contradicts passive: false');
    out['passive'] = true;
  }
  if (given['allowNonJsonMessages'] !== undefined) {
    warnings.push({ option: join(path, 'allowNonJsonMessages'), reason: 'a body that is not JSON always arrives (as text for text/*, else as a Buffer)' });
  }
  if (given['type'] !== undefined) {
    warnings.push({ option: join(path, 'type'), reason: "a consumer answers a message with replyTo whatever its type (option `reply`); 'rpc' and 'subscribe' are the same here" });
  }
  if (given['errorHandler'] !== undefined) {
    throw new UnsupportedOptionError(join(path, 'errorHandler'), 'give onError: (error, ctx) => action, or a Nest exception filter (see docs/migrating-from-golevelup.md)');
  }
  if (given['assertQueueErrorHandler'] !== undefined) {
    throw new UnsupportedOptionError(join(path, 'assertQueueErrorHandler'), "give onQueueMismatch: 'fail' | 'use-existing' | 'passive'");
  }
  if (given['name'] !== undefined) {
    throw new UnsupportedOptionError(join(path, 'name'), "a named setting is referenced as @QueueConsumer({ config: name }) with AmqpModule's `consumers`");
  }
  readRouting(path, given, out);
  if (given['queueOptions'] !== undefined) readGolevelupQueueOptions(join(path, 'queueOptions'), given['queueOptions'], out, warnings);
}

/** golevelup's `exchange` by name and `routingKey`: bindings to an exchange declared elsewhere, or the keys of `exchange`. */
function readRouting(path: string, given: Record<string, unknown>, out: Record<string, unknown>): void {
  const exchange = given['exchange'];
  const routingKey = given['routingKey'] as string | string[] | undefined;
  if (routingKey !== undefined && given['routingKeys'] !== undefined) {
    throw new InvalidOptionError(join(path, 'routingKey'), "golevelup's name for routingKeys: give one of them, not both");
  }
  if (typeof exchange === 'string') {
    if (exchange === '') throw new InvalidOptionError(join(path, 'exchange'), 'the default exchange binds every queue by name already: leave exchange out');
    if (given['routingKeys'] !== undefined) throw new InvalidOptionError(join(path, 'routingKeys'), 'with an exchange given by name, give routingKey');
    const keys = routingKey === undefined ? [''] : typeof routingKey === 'string' ? [routingKey] : routingKey;
    const bindings = keys.map((key): QueueConsumerBinding => ({ exchange, routingKey: key }));
    out['bindings'] = [...((out['bindings'] as QueueConsumerBinding[] | undefined) ?? []), ...bindings];
    delete out['exchange'];
    return;
  }
  if (routingKey !== undefined) {
    if (exchange === undefined) throw new InvalidOptionError(join(path, 'routingKey'), 'needs `exchange` to bind to');
    out['routingKeys'] = routingKey;
  }
}

function readGolevelupQueueOptions(path: string, value: unknown, out: Record<string, unknown>, warnings: OptionWarnings): void {
  const given = checkObject(path, value, GOLEVELUP_QUEUE_SCHEMA);
  for (const key of ['durable', 'exclusive', 'autoDelete', 'messageTtl', 'deadLetterExchange', 'deadLetterRoutingKey', 'maxLength'] as const) {
    if (given[key] === undefined) continue;
    if (out[key] !== undefined && out[key] !== given[key]) throw new InvalidOptionError(`${path}.${key}`, `contradicts the consumer's own ${key}`);
    out[key] = given[key];
  }
  const args: FieldTable = { ...(given['arguments'] as FieldTable | undefined), ...(out['arguments'] as FieldTable | undefined) };
  if (given['expires'] !== undefined) args['x-expires'] = given['expires'] as number;
  if (given['maxPriority'] !== undefined) args['x-max-priority'] = given['maxPriority'] as number;
  if (Object.keys(args).length > 0) out['arguments'] = args;
  const bindArguments = given['bindQueueArguments'] as FieldTable | undefined;
  if (bindArguments !== undefined) {
    const bindings = (out['bindings'] as QueueConsumerBinding[] | undefined) ?? [];
    if (bindings.length === 0) throw new InvalidOptionError(`${path}.bindQueueArguments`, 'needs an exchange given by name to bind to');
    out['bindings'] = bindings.map((binding) => ({ ...binding, arguments: { ...bindArguments, ...binding.arguments } }));
  }
  if (given['channel'] !== undefined) {
    warnings.push({ option: `${path}.channel`, reason: 'every consumer has its own channel here (set its prefetch with `prefetch`)' });
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
