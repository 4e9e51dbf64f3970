import { describe, it, expect } from '@jest/globals';
import { ExternalCredentials, InvalidOptionError, PlainCredentials, UnsupportedOptionError } from '../../../../lib/protocol/index.js';
import { readClientOptions, readServerOptions } from '../../../../lib/transport/options/rmq-options.reader.js';
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

describe('readServerOptions / readClientOptions: runtime validation', () => {
  it('an unknown key is named, with the known one it most likely meant', () => {
    const error = failure(() => readClientOptions({ queu: 'orders' }));
    expect(error.option).toBe('queu');
    expect(error.suggestion).toBe('queue');
    expect(error.code).toBe('ERR_AMQP_INVALID_OPTION');
    expect(error.message).toBe('queu: unknown option (did you mean "queue"?)');
    expect(failure(() => readServerOptions({ prefetchcount: 1 })).suggestion).toBe('prefetchCount');
    expect(failure(() => readServerOptions({ queueOptions: { messageTTL: 1 } })).option).toBe('queueOptions.messageTTL');
    expect(failure(() => readServerOptions({ queueOptions: { messageTTL: 1 } })).suggestion).toBe('messageTtl');
    expect(failure(() => readServerOptions({ somethingElse: 1 })).suggestion).toBeUndefined();
  });

  it('urls as a string is refused by name (not `urls.join is not a function` later)', () => {
    const error = failure(() => readClientOptions({ urls: 'amqp://localhost' }));
    expect(error.option).toBe('urls');
    expect(error.message).toContain("write ['amqp://...']");
    expect(failure(() => readServerOptions({ urls: [42] })).option).toBe('urls[0]');
  });

  it('a value of the wrong type is named with the type it must have', () => {
    expect(failure(() => readServerOptions({ prefetchCount: '10' })).message).toBe('prefetchCount: must be an integer, got a string');
    expect(failure(() => readServerOptions({ noAck: 'false' })).option).toBe('noAck');
    expect(failure(() => readClientOptions({ routingKey: ['a'] })).option).toBe('routingKey');
    expect(failure(() => readServerOptions({ maxConnectionAttempts: 0 })).option).toBe('maxConnectionAttempts');
    expect(failure(() => readServerOptions(['amqp://x'])).option).toBe('options');
  });

  it('what cannot be honoured is refused with its name', () => {
    const findServers = failure(() => readServerOptions({ socketOptions: { findServers: () => [] } }));
    expect(findServers).toBeInstanceOf(UnsupportedOptionError);
    expect(findServers.code).toBe('ERR_AMQP_UNSUPPORTED_OPTION');
    expect(failure(() => readServerOptions({ socketOptions: { findServers: () => [] } })).option).toBe('socketOptions.findServers');
    expect(failure(() => readServerOptions({ socketOptions: { connectionOptions: { host: 'x' } } })).option).toBe(
      'socketOptions.connectionOptions.host',
    );
    expect(
      failure(() => readServerOptions({ socketOptions: { connectionOptions: { credentials: { mechanism: 'AMQPLAIN', response: () => Buffer.alloc(0) } } } }))
        .option,
    ).toBe('socketOptions.connectionOptions.credentials.mechanism');
  });
});

describe('readServerOptions: Transport.RMQ options become this package\'s', () => {
  it("queueOptions shortcuts become x-arguments as amqplib sets them (a shortcut wins over the same argument)", () => {
    const options = readServerOptions({
      queue: 'q',
      queueOptions: {
        durable: false,
        arguments: { 'x-message-ttl': 1, 'x-custom': 'kept' },
        messageTtl: 5000,
        expires: 60000,
        deadLetterExchange: 'dlx',
        deadLetterRoutingKey: 'dead',
        maxLength: 10,
        maxPriority: 5,
        overflow: 'reject-publish',
        queueMode: 'lazy',
      },
    });
    expect(options.queueOptions).toEqual({
      durable: false,
      arguments: {
        'x-custom': 'kept',
        'x-message-ttl': 5000,
        'x-expires': 60000,
        'x-dead-letter-exchange': 'dlx',
        'x-dead-letter-routing-key': 'dead',
        'x-max-length': 10,
        'x-max-priority': 5,
        'x-overflow': 'reject-publish',
        'x-queue-mode': 'lazy',
      },
    });
  });

  it('urls as amqplib URL objects (RmqUrl) and amqplib query names become URLs the engine reads', () => {
    const options = readServerOptions({
      urls: [
        { protocol: 'amqp', hostname: '127.0.0.1', port: 5673, username: 'u', password: 'p@ss', vhost: 'v/h', heartbeat: 7, frameMax: 8192 },
        'amqp://guest:guest@h2?frameMax=16384&heartbeat=3',
      ],
    });
    expect(options.urls).toEqual(['amqp://u:p%40ss@127.0.0.1:5673/v%2Fh?heartbeat=7&frame_max=8192', 'amqp://guest:guest@h2?frame_max=16384&heartbeat=3']);
    const [first, second] = resolveParameters(options);
    expect(first).toMatchObject({ host: '127.0.0.1', port: 5673, virtualHost: 'v/h', heartbeat: 7, frameMax: 8192 });
    expect((first?.credentials as PlainCredentials).username).toBe('u');
    expect(second).toMatchObject({ host: 'h2', frameMax: 16384, heartbeat: 3 });
  });

  it('socketOptions: heartbeat, reconnect delay, TCP, timeout, client properties and credentials map to the engine', () => {
    const options = readServerOptions({
      urls: ['amqps://broker'],
      socketOptions: {
        heartbeatIntervalInSeconds: 15,
        reconnectTimeInSeconds: 3,
        clientProperties: { connectionName: 'orders-service' },
        connectionOptions: {
          ca: ['CA'],
          servername: 'broker',
          rejectUnauthorized: true,
          noDelay: false,
          keepAlive: true,
          keepAliveDelay: 1000,
          timeout: 2500,
          clientProperties: { team: 'orders' },
          credentials: { mechanism: 'EXTERNAL', response: () => Buffer.alloc(0) },
        },
      },
    });
    expect(options.connectionName).toBe('orders-service');
    expect(options.recovery).toEqual({ initialDelayMs: 3000, maxDelayMs: 3000, multiplier: 1 });
    const [parameters] = resolveParameters(options);
    expect(parameters).toMatchObject({
      heartbeat: 15,
      socketTimeout: 2.5,
      ssl: true,
      sslOptions: { ca: ['CA'], servername: 'broker', rejectUnauthorized: true },
      tcpOptions: { noDelay: false, keepAlive: true, keepAliveInitialDelay: 1000 },
      clientProperties: { team: 'orders' },
      connectionName: 'orders-service',
    });
    expect(parameters?.credentials).toBeInstanceOf(ExternalCredentials);
  });

  it('TLS options on an amqp:// URL change nothing, as with amqplib', () => {
    const [parameters] = resolveParameters(readServerOptions({ urls: ['amqp://h'], socketOptions: { connectionOptions: { ca: ['CA'] } } }));
    expect(parameters?.ssl).toBe(false);
  });

  it('start-up waits for the broker on the server and the client (-1 attempts, 60 s), unless told otherwise', () => {
    expect(readServerOptions({})).toMatchObject({ maxConnectionAttempts: -1, startupTimeout: 60_000 });
    expect(readClientOptions({})).toMatchObject({ maxConnectionAttempts: -1, startupTimeout: 60_000 });
    expect(readServerOptions({ maxConnectionAttempts: 3, startupTimeout: 5000 })).toMatchObject({ maxConnectionAttempts: 3, startupTimeout: 5000 });
  });

  it('the producer options of RmqOptions are accepted on the server, so one object serves both sides', () => {
    expect(() => readServerOptions({ replyQueue: 'r', persistent: true, headers: { a: 'b' } })).not.toThrow();
  });
});
