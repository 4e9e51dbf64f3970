import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { ParameterError } from '../../../lib/protocol/errors.js';
import {
  ConnectionParameters,
  ExternalCredentials,
  PlainCredentials,
  type ConnectionParametersOptions,
} from '../../../lib/protocol/parameters/index.js';

const SECRET = 'Pa55-w0rd-sekrit';

function errorOf(make: () => unknown): ParameterError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    return error as ParameterError;
  }
  throw new Error('expected a ParameterError');
}

describe('ConnectionParameters defaults (pika)', () => {
  it('resolves every option to its default', () => {
    const p = new ConnectionParameters();
    expect(p.host).toBe('localhost');
    expect(p.port).toBe(5672);
    expect(p.virtualHost).toBe('/');
    expect(p.credentials).toBeInstanceOf(PlainCredentials);
    expect((p.credentials as PlainCredentials).username).toBe('guest');
    expect(p.credentials.responseFor(['PLAIN'])).toEqual(Buffer.from('\0guest\0guest'));
    expect(p.channelMax).toBe(65535);
    expect(p.frameMax).toBe(131072);
    expect(p.heartbeat).toBeUndefined();
    expect(p.connectionAttempts).toBe(1);
    expect(p.retryDelay).toBe(2);
    expect(p.socketTimeout).toBe(10);
    expect(p.stackTimeout).toBe(15);
    expect(p.blockedConnectionTimeout).toBeUndefined();
    expect(p.writeTimeout).toBe(30_000);
    expect(p.locale).toBe('en_US');
    expect(p.clientProperties).toBeUndefined();
    expect(p.connectionName).toBeUndefined();
    expect(p.tcpOptions).toEqual({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 });
    expect(p.backpressureDetection).toBe(false);
    expect(p.ssl).toBe(false);
    expect(p.sslOptions).toBeUndefined();
    expect(p.maxBodySize).toBe(64 * 1024 * 1024);
  });

  it('gives each instance its own default credentials (erasing one cannot touch another)', () => {
    expect(new ConnectionParameters().credentials).not.toBe(new ConnectionParameters().credentials);
  });

  it.each([
    [{ ssl: true }, 5671, true],
    [{ ssl: false }, 5672, false],
    [{ sslOptions: { rejectUnauthorized: false } }, 5671, true],
    [{ ssl: false, sslOptions: { servername: 'x' } }, 5672, false],
    [{ ssl: true, port: 1234 }, 1234, true],
  ] as [ConnectionParametersOptions, number, boolean][])('%j -> port %d, ssl %s', (options, port, ssl) => {
    const p = new ConnectionParameters(options);
    expect(p.port).toBe(port);
    expect(p.ssl).toBe(ssl);
  });

  it('keeps given values', () => {
    const heartbeat = (_c: unknown, broker: number): number => Math.min(broker, 5);
    const creds = new ExternalCredentials();
    const p = new ConnectionParameters({
      host: 'rabbit.example',
      port: 5000,
      virtualHost: '',
      credentials: creds,
      channelMax: 1,
      frameMax: 4096,
      heartbeat,
      connectionAttempts: 3,
      retryDelay: 0,
      socketTimeout: 0.5,
      stackTimeout: 1.5,
      blockedConnectionTimeout: 0,
      locale: 'fr_FR',
      clientProperties: { product: 'mine', connection_name: 'from-properties' },
      tcpOptions: { keepAlive: true },
      backpressureDetection: true,
      maxBodySize: 1,
    });
    expect(p).toMatchObject({
      host: 'rabbit.example',
      port: 5000,
      virtualHost: '',
      channelMax: 1,
      frameMax: 4096,
      connectionAttempts: 3,
      retryDelay: 0,
      socketTimeout: 0.5,
      stackTimeout: 1.5,
      blockedConnectionTimeout: 0,
      locale: 'fr_FR',
      connectionName: 'from-properties',
      backpressureDetection: true,
      maxBodySize: 1,
    });
    expect(p.credentials).toBe(creds);
    expect(p.heartbeat).toBe(heartbeat);
    expect(p.tcpOptions).toEqual({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 });
    expect(p.clientProperties).toEqual({ product: 'mine', connection_name: 'from-properties' });
  });

  it('prefers connectionName over clientProperties.connection_name', () => {
    const p = new ConnectionParameters({
      connectionName: 'explicit',
      clientProperties: { connection_name: 'props' },
    });
    expect(p.connectionName).toBe('explicit');
  });

  it('copies clientProperties so later changes by the caller do not leak in', () => {
    const props: Record<string, string> = { a: '1' };
    const p = new ConnectionParameters({ clientProperties: props });
    props['a'] = '2';
    expect(p.clientProperties).toEqual({ a: '1' });
  });
});

describe('ConnectionParameters validation', () => {
  const table: [string, ConnectionParametersOptions | unknown][] = [
    ['channelMax', { channelMax: 0 }],
    ['channelMax', { channelMax: 65536 }],
    ['channelMax', { channelMax: 1.5 }],
    ['channelMax', { channelMax: '10' }],
    ['frameMax', { frameMax: 4095 }],
    ['frameMax', { frameMax: 2 ** 31 }],
    ['frameMax', { frameMax: Number.NaN }],
    ['heartbeat', { heartbeat: -1 }],
    ['heartbeat', { heartbeat: 65536 }],
    ['heartbeat', { heartbeat: 2.5 }],
    ['heartbeat', { heartbeat: '60' }],
    ['port', { port: 0 }],
    ['port', { port: 65536 }],
    ['port', { port: 80.5 }],
    ['host', { host: '' }],
    ['host', { host: 5 }],
    ['virtualHost', { virtualHost: 'v'.repeat(256) }],
    ['virtualHost', { virtualHost: 7 }],
    ['connectionAttempts', { connectionAttempts: 0 }],
    ['connectionAttempts', { connectionAttempts: 1.5 }],
    ['retryDelay', { retryDelay: -0.1 }],
    ['retryDelay', { retryDelay: Infinity }],
    ['socketTimeout', { socketTimeout: 0 }],
    ['socketTimeout', { socketTimeout: -5 }],
    ['stackTimeout', { stackTimeout: 0 }],
    ['stackTimeout', { stackTimeout: Number.NaN }],
    ['blockedConnectionTimeout', { blockedConnectionTimeout: -1 }],
    ['writeTimeout', { writeTimeout: -1 }],
    ['writeTimeout', { writeTimeout: 1.5 }],
    ['writeTimeout', { writeTimeout: '30000' }],
    ['writeTimeout', { writeTimeout: 2 ** 31 }],
    ['locale', { locale: '' }],
    ['credentials', { credentials: { username: 'x', password: SECRET } }],
    ['clientProperties', { clientProperties: 'x' }],
    ['clientProperties', { clientProperties: [] }],
    ['connectionName', { connectionName: '' }],
    ['tcpOptions', { tcpOptions: true }],
    ['tcpOptions.nodelay', { tcpOptions: { nodelay: true } }],
    ['tcpOptions.noDelay', { tcpOptions: { noDelay: 1 } }],
    ['tcpOptions.keepAliveInitialDelay', { tcpOptions: { keepAliveInitialDelay: -1 } }],
    ['backpressureDetection', { backpressureDetection: 'true' }],
    ['ssl', { ssl: 1 }],
    ['sslOptions', { sslOptions: 'yes' }],
    ['maxBodySize', { maxBodySize: 0 }],
    ['vhost', { vhost: '/' }],
    ['options', 'amqp://localhost'],
  ];
  it.each(table)('%s: %j is a ParameterError naming it', (argument, options) => {
    const error = errorOf(() => new ConnectionParameters(options as ConnectionParametersOptions));
    expect(error.argument).toBe(argument);
    expect(error.message.startsWith(`${argument}: `)).toBe(true);
    expect(error.code).toBe('ERR_AMQP_INVALID_ARGUMENT');
  });

  it('accepts the range limits themselves', () => {
    for (const options of [
      { channelMax: 1 },
      { channelMax: 65535 },
      { frameMax: 4096 },
      { frameMax: 2 ** 31 - 1 },
      { heartbeat: 0 },
      { heartbeat: 65535 },
      { port: 1 },
      { port: 65535 },
      { virtualHost: 'v'.repeat(255) },
      { writeTimeout: 0 },
      { writeTimeout: 2 ** 31 - 1 },
    ]) {
      expect(() => new ConnectionParameters(options)).not.toThrow();
    }
  });

  it('takes undefined as "use the default"', () => {
    const p = new ConnectionParameters({
      host: undefined,
      port: undefined,
      heartbeat: undefined,
      ssl: undefined,
    });
    expect(p.host).toBe('localhost');
    expect(p.port).toBe(5672);
  });
});

describe('ConnectionParameters printing never shows a secret', () => {
  const p = new ConnectionParameters({
    credentials: new PlainCredentials('alice', SECRET),
    sslOptions: { passphrase: SECRET, key: `-----BEGIN ${SECRET}`, servername: 'rabbit.example' },
    host: '::1',
    virtualHost: 'a/b',
  });

  it.each([
    ['toString', () => String(p)],
    ['inspect', () => inspect(p)],
    ['inspect deep', () => inspect(p, { depth: Infinity, showHidden: true })],
    ['inspect nested', () => inspect({ a: { b: { c: p } } })],
    ['JSON', () => JSON.stringify(p)],
    ['template', () => `${p}`],
  ])('%s', (_name, render) => {
    const text = render();
    expect(text).not.toContain(SECRET);
    expect(text).toContain('alice');
  });

  it('shows where it connects as a URL without the password', () => {
    expect(p.displayUrl).toBe('amqps://alice@[::1]:5671/a%2Fb');
    expect(String(p)).toBe('ConnectionParameters(amqps://alice@[::1]:5671/a%2Fb)');
    expect(new ConnectionParameters({ credentials: new ExternalCredentials() }).displayUrl).toBe(
      'amqp://localhost:5672/%2F',
    );
    expect(JSON.parse(JSON.stringify(p)).sslOptions).toEqual({
      passphrase: '[redacted]',
      key: '[redacted]',
      servername: 'rabbit.example',
    });
  });
});

describe('ConnectionParameters.with', () => {
  it('applies overrides and re-resolves dependent defaults', () => {
    const base = new ConnectionParameters({ host: 'a', heartbeat: 10 });
    const tls = base.with({ ssl: true, connectionName: 'svc' });
    expect(tls).not.toBe(base);
    expect(tls).toMatchObject({ host: 'a', heartbeat: 10, ssl: true, port: 5671, connectionName: 'svc' });
    expect(base).toMatchObject({ ssl: false, port: 5672, connectionName: undefined });
  });

  it('keeps an explicit port, ignores undefined overrides and keeps the credentials object', () => {
    const creds = new PlainCredentials('u', SECRET);
    const base = new ConnectionParameters({ port: 6000, credentials: creds });
    const next = base.with({ ssl: true, port: undefined, heartbeat: 0 });
    expect(next.port).toBe(6000);
    expect(next.credentials).toBe(creds);
    expect(next.heartbeat).toBe(0);
    expect(base.toOptions()).toEqual({ port: 6000, credentials: creds });
  });

  it('validates the overrides', () => {
    expect(errorOf(() => new ConnectionParameters().with({ frameMax: 1 })).argument).toBe('frameMax');
  });
});
