/**
 * One rule for options on every entry point: a key a peer honours is honoured with the peer's
 * meaning, a key a peer's type accepts but nothing reads is accepted with one WARN naming it, and a
 * key no one would accept (a typo, a wrong type) fails naming it and the nearest valid key.
 */
import { describe, it, expect, beforeEach } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { InvalidOptionError, UnsupportedOptionError } from '../../../../lib/protocol/errors.js';
import { readClientOptions, readServerOptions } from '../../../../lib/transport/options/rmq-options.reader.js';
import { readModuleOptions } from '../../../../lib/transport/options/module-options.reader.js';
import { readConsumerEntry, readQueueConsumerOptions } from '../../../../lib/transport/options/queue-consumer-options.reader.js';
import { forgetOptionWarnings, logOptionWarnings, type OptionWarnings } from '../../../../lib/transport/options/option-warnings.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { QueueConsumerMetadataAccessor } from '../../../../lib/transport/decorators/queue-consumer-metadata.accessor.js';
import { resolveParameters } from '../../../../lib/transport/connection/connection-parameters.js';

function failure(read: () => unknown): InvalidOptionError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error('expected an InvalidOptionError');
}

function capture(): { lines: string[]; logger: LoggerService } {
  const lines: string[] = [];
  const logger: LoggerService = {
    log: () => undefined,
    error: (message: unknown) => lines.push(`ERROR ${String(message)}`),
    warn: (message: unknown) => lines.push(`WARN ${String(message)}`),
  };
  return { lines, logger };
}

beforeEach(() => forgetOptionWarnings());

describe('warned once', () => {
  it('logs one WARN per entry point and option, however many instances or readings', () => {
    const { lines, logger } = capture();
    const warnings = [{ option: 'socketOptions.retryAttempts', reason: 'nothing reads it' }];
    logOptionWarnings(logger, 'ClientAMQP', warnings);
    logOptionWarnings(logger, 'ClientAMQP', warnings);
    logOptionWarnings(logger, 'ServerAMQP', warnings);
    expect(lines).toEqual([
      'WARN option socketOptions.retryAttempts is accepted but ignored: nothing reads it',
      'WARN option socketOptions.retryAttempts is accepted but ignored: nothing reads it',
    ]);
  });

  it('ClientAMQP and ServerAMQP say it through their logger, once for many instances', () => {
    const { lines, logger } = capture();
    for (let i = 0; i < 3; i += 1) new ClientAMQP({ queue: 'q', socketOptions: { retryAttempts: 5 }, logger });
    for (let i = 0; i < 2; i += 1) new ServerAMQP({ queue: 'q', socketOptions: { retryAttempts: 5 }, logger });
    expect(lines.filter((line) => line.includes('socketOptions.retryAttempts'))).toHaveLength(2);
    expect(lines[0]).toMatch(/^WARN option socketOptions\.retryAttempts is accepted but ignored: amqp-connection-manager reads only/);
  });
});

describe('ServerAMQP / ClientAMQP: socketOptions and queueOptions (index signatures in Nest\'s types)', () => {
  it("socketOptions: { noDelay: true } is honoured as amqplib's socket option (beside connectionOptions, which wins)", () => {
    const warnings: OptionWarnings = [];
    const server = readServerOptions({ socketOptions: { noDelay: true, keepAlive: true, timeout: 3000 } }, warnings);
    expect(warnings).toEqual([]);
    const [parameters] = resolveParameters(server);
    expect(parameters?.tcpOptions).toMatchObject({ noDelay: true, keepAlive: true });
    expect(parameters?.socketTimeout).toBe(3);
    const client = readClientOptions({ socketOptions: { noDelay: false, connectionOptions: { noDelay: true } } });
    expect(resolveParameters(client)[0]?.tcpOptions).toMatchObject({ noDelay: true });
  });

  it('TLS keys beside connectionOptions reach the TLS options of an amqps URL', () => {
    const options = readClientOptions({ urls: ['amqps://broker'], socketOptions: { ca: ['CA'], servername: 'broker' } });
    expect(options.connectionOptions?.sslOptions).toEqual({ ca: ['CA'], servername: 'broker' });
  });

  it('another key is accepted with a warning naming it; a near miss of a known key is a typo, refused', () => {
    const warnings: OptionWarnings = [];
    readServerOptions({ socketOptions: { retryAttempts: 5, retryDelay: 10, connectionOptions: { allowHalfOpen: true } } }, warnings);
    expect(warnings.map((w) => w.option)).toEqual(['socketOptions.retryAttempts', 'socketOptions.retryDelay', 'socketOptions.connectionOptions.allowHalfOpen']);
    const typo = failure(() => readServerOptions({ socketOptions: { heartbeatIntervalInSecond: 5 } }));
    expect(typo.message).toBe('socketOptions.heartbeatIntervalInSecond: unknown option (did you mean "heartbeatIntervalInSeconds"?)');
    expect(failure(() => readClientOptions({ socketOptions: { noDelay: 'yes' } })).message).toBe('socketOptions.noDelay: must be a boolean, got a string');
  });

  it("queueOptions: amqplib's unknown keys are warned, typos refused", () => {
    const warnings: OptionWarnings = [];
    readServerOptions({ queueOptions: { durable: false, singleActiveConsumer: true } }, warnings);
    expect(warnings.map((w) => w.option)).toEqual(['queueOptions.singleActiveConsumer']);
    expect(failure(() => readServerOptions({ queueOptions: { durabel: false } })).suggestion).toBe('durable');
  });

  it("noAck: false on a client (the server's setting, in an object both sides share) is warned, not refused", () => {
    const warnings: OptionWarnings = [];
    readClientOptions({ queue: 'q', noAck: false }, warnings);
    expect(warnings.map((w) => w.option)).toEqual(['noAck']);
  });

  it('a top-level typo fails naming the nearest key, in plain JavaScript as in TypeScript', () => {
    expect(() => new ServerAMQP({ queu: 'x' } as never)).toThrow('queu: unknown option (did you mean "queue"?)');
    expect(() => new ClientAMQP({ queu: 'x' } as never)).toThrow('queu: unknown option (did you mean "queue"?)');
  });
});

describe('AmqpModule options: golevelup and Transport.RMQ names', () => {
  it("uri (golevelup's urls) is where the module connects", () => {
    expect(readModuleOptions({ uri: 'amqp://u:p@other-host:5673' }).urls).toEqual(['amqp://u:p@other-host:5673']);
    expect(readModuleOptions({ uri: ['amqp://a', 'amqp://b'] }).urls).toEqual(['amqp://a', 'amqp://b']);
    expect(failure(() => readModuleOptions({ uri: 'amqp://a', urls: ['amqp://b'] })).option).toBe('uri');
  });

  it('a misspelt exchange key fails naming the key (typ, not a direct exchange)', () => {
    const error = failure(() => readModuleOptions({ exchanges: [{ name: 'x', typ: 'topic' }] }));
    expect(error.message).toBe('exchanges[0].typ: unknown option (did you mean "type"?)');
    expect(failure(() => readModuleOptions({ uril: 'amqp://a' })).suggestion).toBe('uri');
    expect(failure(() => readModuleOptions({ exchanges: [{ name: 'x', type: 5 }] })).message).toBe('exchanges[0].type: must be a string, got a number');
  });

  it("golevelup's exchange options and defaultExchangeType are honoured", () => {
    const read = readModuleOptions({
      defaultExchangeType: 'topic',
      exchanges: [
        { name: 'a' },
        { name: 'b', type: 'fanout', options: { durable: false, alternateExchange: 'alt' }, createExchangeIfNotExists: false },
      ],
    });
    expect(read.exchanges).toEqual([
      { name: 'a', type: 'topic' },
      { name: 'b', type: 'fanout', durable: false, arguments: { 'alternate-exchange': 'alt' }, passive: true },
    ]);
  });

  it('start-up: waits like ServerAMQP by default; connectionInitOptions maps to startup and startupTimeout', () => {
    expect(readModuleOptions({})).toMatchObject({ maxConnectionAttempts: -1, startupTimeout: 60_000 });
    expect(readModuleOptions({ connectionInitOptions: { wait: false } }).startup).toBe('background');
    expect(readModuleOptions({ connectionInitOptions: { wait: true, timeout: 5000 } })).toMatchObject({ startupTimeout: 5000 });
    expect(readModuleOptions({ connectionInitOptions: { timeout: 5000, reject: false } })).toMatchObject({ startup: 'background', startupWaitMs: 5000 });
    expect(failure(() => readModuleOptions({ connectionInitOptions: { timout: 1 } })).suggestion).toBe('timeout');
    expect(failure(() => readModuleOptions({ startup: 'later' })).option).toBe('startup');
  });

  it('prefetchCount, a default channel and defaultSubscribeErrorBehavior become consumer defaults; defaultRpcTimeout the request timeout', () => {
    expect(readModuleOptions({ prefetchCount: 5, defaultSubscribeErrorBehavior: 'REQUEUE', defaultRpcTimeout: 2000 })).toMatchObject({
      consumerDefaults: { prefetch: 5, onError: 'requeue' },
      requestTimeout: 2000,
    });
    const warnings: OptionWarnings = [];
    const read = readModuleOptions({ channels: { main: { prefetchCount: 7, default: true }, slow: { prefetchCount: 1 } } }, warnings);
    expect(read.consumerDefaults).toEqual({ prefetch: 7 });
    expect(warnings.map((w) => w.option)).toEqual(['channels.slow']);
    expect(failure(() => readModuleOptions({ defaultSubscribeErrorBehavior: 'RETRY' })).option).toBe('defaultSubscribeErrorBehavior');
  });

  it("handlers (golevelup's named handler settings) become consumers entries, golevelup's names read", () => {
    const read = readModuleOptions({
      handlers: { orders: { queue: 'orders', exchange: 'events', routingKey: ['a', 'b'], queueOptions: { durable: false, maxPriority: 5 }, errorBehavior: 'ACK' } },
    });
    expect(read.consumers).toEqual({
      orders: {
        queue: 'orders',
        durable: false,
        arguments: { 'x-max-priority': 5 },
        onError: 'ack',
        bindings: [
          { exchange: 'events', routingKey: 'a' },
          { exchange: 'events', routingKey: 'b' },
        ],
      },
    });
    expect(failure(() => readModuleOptions({ consumers: { orders: { queue: 'o', prefetchCont: 5 } } })).message).toBe(
      'consumers.orders.prefetchCont: unknown option (did you mean "prefetchCount"?)',
    );
  });

  it('what means nothing here is warned; what cannot be honoured is refused by name', () => {
    const warnings: OptionWarnings = [];
    readModuleOptions({ enableControllerDiscovery: true, enableDirectReplyTo: false, defaultRpcErrorBehavior: 'NACK', noAck: false }, warnings);
    expect(warnings.map((w) => w.option).sort()).toEqual(['defaultRpcErrorBehavior', 'enableControllerDiscovery', 'enableDirectReplyTo', 'noAck']);
    expect(failure(() => readModuleOptions({ deserializer: () => 1 }))).toBeInstanceOf(UnsupportedOptionError);
  });

  it("one RmqOptions object: the queue and the exchange ClientRMQ declares, the connection, the publisher's defaults", () => {
    const read = readModuleOptions({
      urls: ['amqp://h'],
      queue: 'cats_queue',
      queueOptions: { durable: false, messageTtl: 10 },
      wildcards: true,
      persistent: true,
      socketOptions: { noDelay: true },
    });
    expect(read.queues).toEqual([{ name: 'cats_queue', durable: false, arguments: { 'x-message-ttl': 10 } }]);
    expect(read.exchanges).toEqual([{ name: 'cats_queue', type: 'topic' }]);
    expect(read.persistent).toBe(true);
    expect(resolveParameters(read)[0]?.tcpOptions).toMatchObject({ noDelay: true });
    expect(readModuleOptions({ queue: 'q', noAssert: true }).queues).toBeUndefined();
  });
});

describe('@QueueConsumer options and consumers entries: the same reader', () => {
  it("prefetchCount (golevelup's and Nest's name) is the consumer's prefetch", () => {
    class Orders {
      @QueueConsumer('orders', { prefetchCount: 5 } as never)
      onOrder(): void {}
    }
    expect(QueueConsumerMetadataAccessor.fromMethod(Orders.prototype.onOrder)?.options.prefetch).toBe(5);
    expect(readQueueConsumerOptions('', { prefetchCount: 3 }, []).prefetch).toBe(3);
    expect(failure(() => readQueueConsumerOptions('', { prefetch: 1, prefetchCount: 3 }, [])).option).toBe('prefetchCount');
  });

  it('a misspelt key fails where the decorator is applied, naming the nearest key', () => {
    expect(() => QueueConsumer('orders', { prefech: 5 } as never)).toThrow('prefech: unknown option (did you mean "prefetch"?)');
    expect(() => QueueConsumer('orders', { exchange: { name: 'x', typ: 'topic' } } as never)).toThrow(
      'exchange.typ: unknown option (did you mean "type"?)',
    );
    expect(() => readConsumerEntry('consumers.a', { queue: 'a', retry: { attempt: 1 } }, [])).toThrow(
      'consumers.a.retry.attempt: unknown option (did you mean "attempts"?)',
    );
  });

  it("golevelup's handler names: createQueueIfNotExists, allowNonJsonMessages (warned), errorHandler (refused)", () => {
    const warnings: OptionWarnings = [];
    expect(readQueueConsumerOptions('', { createQueueIfNotExists: false, allowNonJsonMessages: true }, warnings)).toEqual({ passive: true });
    expect(warnings.map((w) => w.option)).toEqual(['allowNonJsonMessages']);
    expect(failure(() => readQueueConsumerOptions('', { errorHandler: () => undefined }, []))).toBeInstanceOf(UnsupportedOptionError);
  });

  it('the decorator warns once for many methods', () => {
    const lines: string[] = [];
    const original = Logger.prototype.warn;
    Logger.prototype.warn = function (message: unknown) {
      lines.push(String(message));
    };
    try {
      class Many {
        @QueueConsumer('a', { allowNonJsonMessages: true } as never)
        a(): void {}
        @QueueConsumer('b', { allowNonJsonMessages: true } as never)
        b(): void {}
      }
      expect(Many).toBeDefined();
    } finally {
      Logger.prototype.warn = original;
    }
    expect(lines).toEqual(['option allowNonJsonMessages is accepted but ignored: a body that is not JSON always arrives (as text for text/*, else as a Buffer)']);
  });
});
