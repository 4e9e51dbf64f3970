import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  ConnectionParameters,
  ExternalCredentials,
  PlainCredentials,
  URLParameters,
} from '../../../lib/protocol/parameters/index.js';
import { errorOf, renderings, SECRET } from './url-secrets.js';

function passwordOf(p: ConnectionParameters): string | undefined {
  const response = p.credentials.responseFor(['PLAIN']);
  return response?.toString('utf8').split('\0')[2];
}

describe('URLParameters: the URL itself', () => {
  const table: [
    string,
    Partial<Record<'host' | 'port' | 'virtualHost' | 'ssl' | 'username' | 'password', unknown>>,
  ][] = [
    [
      'amqp://',
      { host: 'localhost', port: 5672, virtualHost: '/', ssl: false, username: 'guest', password: 'guest' },
    ],
    ['amqp://rabbit', { host: 'rabbit', port: 5672, virtualHost: '/' }],
    ['amqp://rabbit/', { host: 'rabbit', virtualHost: '/' }],
    ['amqp://rabbit/%2F', { virtualHost: '/' }],
    ['amqp://rabbit/%2f', { virtualHost: '/' }],
    ['amqp://rabbit/vh', { virtualHost: 'vh' }],
    ['amqp://rabbit/a%2Fb%20c', { virtualHost: 'a/b c' }],
    ['amqp://rabbit/v+h', { virtualHost: 'v+h' }],
    ['amqps://rabbit', { port: 5671, ssl: true }],
    ['AMQPS://Rabbit:1234', { host: 'rabbit', port: 1234, ssl: true }],
    ['amqp://rabbit:', { port: 5672 }],
    ['amqp://:5673', { host: 'localhost', port: 5673 }],
    [
      'amqp://user:pass@rabbit:5673/vh',
      { host: 'rabbit', port: 5673, virtualHost: 'vh', username: 'user', password: 'pass' },
    ],
    ['amqp://us%40er:p%40ss%3Aw%2Fo%3Frd@rabbit', { username: 'us@er', password: 'p@ss:w/o?rd' }],
    ['amqp://user:a:b@rabbit', { username: 'user', password: 'a:b' }],
    ['amqp://user@rabbit', { username: 'user', password: '' }],
    ['amqp://:@rabbit', { username: '', password: '' }],
    ['amqp://j%C3%B3zef:p%C3%A4ss@rabbit', { username: 'józef', password: 'päss' }],
    ['amqp://[::1]', { host: '::1', port: 5672 }],
    ['amqp://[::1]:5673/vh', { host: '::1', port: 5673, virtualHost: 'vh' }],
    ['amqps://u:p@[2001:db8::7]:5671', { host: '2001:db8::7', port: 5671, username: 'u', password: 'p' }],
    ['amqp://127.0.0.1:5672', { host: '127.0.0.1' }],
    ['amqp://rabbit#fragment', { host: 'rabbit', virtualHost: '/' }],
    ['amqp://rabbit/vh?', { virtualHost: 'vh' }],
  ];
  it.each(table)('%s', (url, expected) => {
    const p = new URLParameters(url);
    const { username, password, ...fields } = expected;
    expect(p).toMatchObject(fields);
    if (username !== undefined) expect((p.credentials as PlainCredentials).username).toBe(username);
    if (password !== undefined) expect(passwordOf(p)).toBe(password);
    expect(p).toBeInstanceOf(ConnectionParameters);
  });

  it.each([
    ['http://rabbit', 'scheme'],
    ['amqpx://rabbit', 'scheme'],
    ['rabbit:5672', 'url'],
    ['amqp:/rabbit', 'url'],
    ['', 'url'],
    ['amqp://rabbit:0', 'port'],
    ['amqp://rabbit:65536', 'port'],
    ['amqp://rabbit:12345678', 'port'],
    ['amqp://rabbit:-1', 'port'],
    ['amqp://rabbit:abc', 'port'],
    ['amqp://::1/', 'host'],
    ['amqp://[::1/', 'host'],
    ['amqp://[not-ipv6]/', 'host'],
    ['amqp://[::1]x/', 'host'],
    ['amqp://rab%zzbit/', 'host'],
    ['amqp://rabbit/a/b', 'virtualHost'],
    ['amqp://rabbit//', 'virtualHost'],
    ['amqp://rabbit/%E0%A4%A', 'virtualHost'],
    ['amqp://us%zzer:x@rabbit', 'username'],
  ])('%s is a ParameterError naming %s', (url, argument) => {
    const error = errorOf(() => new URLParameters(url));
    expect(error.argument).toBe(argument);
  });

  it('refuses a non-string', () => {
    expect(errorOf(() => new URLParameters(5 as unknown as string)).argument).toBe('url');
  });
});

describe('URLParameters: pika query arguments', () => {
  const table: [string, Record<string, unknown>][] = [
    ['heartbeat=30', { heartbeat: 30 }],
    ['heartbeat=0', { heartbeat: 0 }],
    ['heartbeat=%2B5', { heartbeat: 5 }],
    ['channel_max=1', { channelMax: 1 }],
    ['channel_max=65535', { channelMax: 65535 }],
    ['frame_max=4096', { frameMax: 4096 }],
    ['frame_max=2147483647', { frameMax: 2147483647 }],
    ['connection_attempts=5', { connectionAttempts: 5 }],
    ['retry_delay=0.5', { retryDelay: 0.5 }],
    ['retry_delay=0', { retryDelay: 0 }],
    ['socket_timeout=2.5', { socketTimeout: 2.5 }],
    ['socket_timeout=1e1', { socketTimeout: 10 }],
    ['stack_timeout=.5', { stackTimeout: 0.5 }],
    ['blocked_connection_timeout=0', { blockedConnectionTimeout: 0 }],
    ['blocked_connection_timeout=300', { blockedConnectionTimeout: 300 }],
    ['write_timeout=5000', { writeTimeout: 5000 }],
    ['write_timeout=0', { writeTimeout: 0 }],
    ['locale=fr_FR', { locale: 'fr_FR' }],
    ['connection_name=orders+api%21', { connectionName: 'orders api!' }],
    ['backpressure_detection=t', { backpressureDetection: true }],
    ['backpressure_detection=f', { backpressureDetection: false }],
    ['backpressure_detection=true', { backpressureDetection: true }],
    [
      "client_properties={'connection_name':'api','capabilities':{'x':True},'n':None,'l':[1,2.5,'s']}",
      {
        clientProperties: { connection_name: 'api', capabilities: { x: true }, n: null, l: [1, 2.5, 's'] },
        connectionName: 'api',
      },
    ],
    ['client_properties=%7B%22a%22%3A%20true%7D', { clientProperties: { a: true } }],
    [
      "tcp_options={'TCP_KEEPIDLE':60}",
      { tcpOptions: { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 } },
    ],
    [
      "tcp_options={'TCP_NODELAY':0}",
      { tcpOptions: { noDelay: false, keepAlive: true, keepAliveInitialDelay: 60000 } },
    ],
    [
      "tcp_options={'keepAlive':True,'keepAliveInitialDelay':1500}",
      { tcpOptions: { noDelay: true, keepAlive: true, keepAliveInitialDelay: 1500 } },
    ],
    [
      "ssl_options={'server_hostname':'rabbit.example','rejectUnauthorized':True}",
      { ssl: true, port: 5672, sslOptions: { servername: 'rabbit.example', rejectUnauthorized: true } },
    ],
    ['ssl_options=None', { ssl: false, sslOptions: undefined }],
    ['heartbeat=10&channel_max=100&frame_max=8192', { heartbeat: 10, channelMax: 100, frameMax: 8192 }],
    ['heartbeat=10&&locale=de_DE&', { heartbeat: 10, locale: 'de_DE' }],
  ];
  it.each(table)('?%s', (query, expected) => {
    expect(new URLParameters(`amqp://rabbit/?${query}`)).toMatchObject(expected);
  });

  it('amqps with ssl_options keeps port 5671 and TLS', () => {
    const p = new URLParameters("amqps://rabbit?ssl_options={'ciphers':'HIGH'}");
    expect(p).toMatchObject({ ssl: true, port: 5671, sslOptions: { ciphers: 'HIGH' } });
  });

  it('reads pika-style ssl_options files into node:tls options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'params-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
      writeFileSync(join(dir, 'cert.pem'), 'CERT-PEM');
      writeFileSync(join(dir, 'key.pem'), 'KEY-PEM');
      const opts = `{'ca_certs':'${dir}/ca.pem','certfile':'${dir}/cert.pem','keyfile':'${dir}/key.pem','password':'${SECRET}'}`;
      const p = new URLParameters(`amqps://u:${SECRET}@rabbit?ssl_options=${encodeURIComponent(opts)}`);
      expect(String(p.sslOptions?.ca)).toBe('CA-PEM');
      expect(String(p.sslOptions?.cert)).toBe('CERT-PEM');
      expect(String(p.sslOptions?.key)).toBe('KEY-PEM');
      expect(p.sslOptions?.passphrase).toBe(SECRET);
      for (const text of [String(p), inspect(p, { depth: Infinity }), JSON.stringify(p)]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('KEY-PEM');
      }
      const missing = errorOf(
        () => new URLParameters(`amqps://rabbit?ssl_options={'cafile':'${dir}/nope.pem'}`),
      );
      expect(missing.argument).toBe('ssl_options.cafile');
      expect(missing.message).toContain('ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['foo=1', 'foo'],
    ['heartbeat_interval=5', 'heartbeat_interval'],
    ['Heartbeat=5', 'Heartbeat'],
    ['heartbeat=1&heartbeat=2', 'heartbeat'],
    ['heartbeat=1&locale=en_US&heartbeat=1', 'heartbeat'],
    ['heartbeat', 'heartbeat'],
    ['heartbeat=', 'heartbeat'],
    ['heartbeat=abc', 'heartbeat'],
    ['heartbeat=1.5', 'heartbeat'],
    ['heartbeat=-1', 'heartbeat'],
    ['heartbeat=65536', 'heartbeat'],
    ['channel_max=0', 'channel_max'],
    ['channel_max=65536', 'channel_max'],
    ['channel_max=ten', 'channel_max'],
    ['frame_max=4095', 'frame_max'],
    ['frame_max=2147483648', 'frame_max'],
    ['connection_attempts=0', 'connection_attempts'],
    ['retry_delay=-1', 'retry_delay'],
    ['retry_delay=inf', 'retry_delay'],
    ['socket_timeout=0', 'socket_timeout'],
    ['socket_timeout=-2', 'socket_timeout'],
    ['socket_timeout=nan', 'socket_timeout'],
    ['stack_timeout=-0.1', 'stack_timeout'],
    ['stack_timeout=1e999', 'stack_timeout'],
    ['blocked_connection_timeout=-5', 'blocked_connection_timeout'],
    ['blocked_connection_timeout=x', 'blocked_connection_timeout'],
    ['write_timeout=-1', 'write_timeout'],
    ['write_timeout=2.5', 'write_timeout'],
    ['write_timeout=30s', 'write_timeout'],
    ['write_timeout=', 'write_timeout'],
    ['write_timeout=2147483648', 'write_timeout'],
    ['backpressure_detection=yes', 'backpressure_detection'],
    ['client_properties={1:2}', 'client_properties'],
    ['client_properties=[1,2]', 'client_properties'],
    ["client_properties={'a':", 'client_properties'],
    ["client_properties={'a':os.system('x')}", 'client_properties'],
    ["tcp_options={'TCP_KEEPCNT':3}", 'tcp_options.TCP_KEEPCNT'],
    ["tcp_options={'SO_FOO':3}", 'tcp_options.SO_FOO'],
    ["tcp_options={'TCP_KEEPIDLE':-1}", 'tcp_options.TCP_KEEPIDLE'],
    ["tcp_options={'TCP_NODELAY':2}", 'tcp_options.TCP_NODELAY'],
    ["ssl_options={'protocol':2}", 'ssl_options.protocol'],
    ["ssl_options={'capath':'/etc/ssl'}", 'ssl_options.capath'],
    ["ssl_options={'whatever':1}", 'ssl_options.whatever'],
    ["ssl_options={'ciphers':5}", 'ssl_options.ciphers'],
    ['ssl_options=%7B', 'ssl_options'],
    ['locale=%zz', 'locale'],
    ['%zz=1', 'query'],
    ['a:b=1', 'query'],
  ])('?%s is a ParameterError naming %s', (query, argument) => {
    const error = errorOf(() => new URLParameters(`amqp://u:${SECRET}@rabbit/?${query}`));
    expect(error.argument).toBe(argument);
    expect(error.message).toContain(argument);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses ssl_options=None with amqps (pika)', () => {
    expect(errorOf(() => new URLParameters('amqps://rabbit?ssl_options=None')).argument).toBe('ssl_options');
  });

  it('never echoes an ssl_options value, even when malformed', () => {
    const error = errorOf(() => new URLParameters(`amqps://rabbit?ssl_options={'password':'${SECRET}',}}`));
    expect(String(error)).not.toContain(SECRET);
    expect(inspect(error)).not.toContain(SECRET);
  });
});

describe('URLParameters never leaks the password', () => {
  const bad = [
    `amqp://user:${SECRET}@rabbit:99999/`,
    `amqp://user:${SECRET}@rabbit:port/`,
    `amqp://user:${SECRET}/x@rabbit/`,
    `amqp://user:${SECRET}?@rabbit/`,
    `amqp://user:${SECRET}#x@rabbit/`,
    `amqp://user:${SECRET}%zz@rabbit/`,
    `amqp://user:${SECRET}@[::1/`,
    `amqp://user:${SECRET}@rabbit/a/b`,
    `amqp://user:${SECRET}@rabbit/?heartbeat=x`,
    `amqp://user:${SECRET}@rabbit/?nope=1`,
    `http://user:${SECRET}@rabbit/`,
    `amqp://user:${SECRET}@::1/`,
    `amqp://?user:${SECRET}@rabbit/`,
    `amqp://rabbit/?user:${SECRET}@x`,
    `amqp://rabbit/?heartbeat=x:${SECRET}`,
    `amqp://rabbit/?${SECRET}:x=1`,
    `amqp://user:a\0${SECRET}@rabbit/`,
  ];
  it.each(bad)('%s', (url) => {
    const error = errorOf(() => new URLParameters(url));
    for (const text of renderings(error)) expect(text).not.toContain(SECRET);
    expect(error.cause).toBeUndefined();
  });

  it('keeps the password out of a parsed URL rendering', () => {
    const p = new URLParameters(`amqp://user:${SECRET}@rabbit/`);
    for (const text of [
      String(p),
      inspect(p, { depth: Infinity, showHidden: true }),
      JSON.stringify(p),
      p.displayUrl,
    ]) {
      expect(text).not.toContain(SECRET);
    }
    expect(passwordOf(p)).toBe(SECRET);
  });
});

describe('URLParameters and other inputs', () => {
  it('credentials from the URL can be replaced through with()', () => {
    const p = new URLParameters('amqps://u:p@rabbit/vh?heartbeat=5').with({
      credentials: new ExternalCredentials(),
    });
    expect(p).toMatchObject({ host: 'rabbit', virtualHost: 'vh', heartbeat: 5, ssl: true, port: 5671 });
    expect(p.credentials).toBeInstanceOf(ExternalCredentials);
  });

  it('an amqp:// URL given sslOptions later turns TLS on with port 5671', () => {
    const p = new URLParameters('amqp://rabbit').with({ sslOptions: { servername: 'rabbit' } });
    expect(p).toMatchObject({ ssl: true, port: 5671 });
  });
});
