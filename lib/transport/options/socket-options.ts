/**
 * Nest RMQ's `socketOptions` (amqp-connection-manager's options, with amqplib's socket options in
 * `connectionOptions`) mapped to the engine's ConnectionParameters and recovery options.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { InvalidOptionError, UnsupportedOptionError } from '../../protocol/errors.js';
import {
  ExternalCredentials,
  PlainCredentials,
  type ConnectionParametersOptions,
  type FieldTable,
  type TcpOptions,
} from '../../protocol/index.js';
import { checkOpenObject, isPlainObject, kindOf, type OptionKind } from './option-check.js';
import type { OptionWarnings } from './option-warnings.js';

/** Nest's `socketOptions` (`AmqpConnectionManagerSocketOptions`). */
export interface AmqpSocketOptions {
  /** Heartbeat in seconds (0 = off). @default the broker's proposal (amqp-connection-manager's is 5) */
  heartbeatIntervalInSeconds?: number;
  /** Seconds between reconnection attempts, at start-up and after a loss. @default backoff from 0.5 s up to 30 s */
  reconnectTimeInSeconds?: number;
  /** amqplib's socket options: TLS (ca, cert, key, passphrase, servername ...), noDelay, keepAlive, keepAliveDelay, timeout (ms), clientProperties, credentials. */
  connectionOptions?: AmqpSocketConnectionOptions;
  /** `connectionName` is the name the broker shows for the connection. */
  clientProperties?: { connectionName?: string; [key: string]: unknown };
  /** Not supported (refused at construction): give the nodes in `urls`. */
  findServers?: (...args: never[]) => unknown;
  /**
   * amqplib's socket options written beside `connectionOptions` rather than in it (`noDelay`,
   * `keepAlive`, `timeout`, TLS `ca` / `cert` / `key` ...): honoured as if given in `connectionOptions`
   * (which wins). Nest's type takes any key here; another key is accepted with one WARN naming it.
   */
  [key: string]: unknown;
}

/** amqplib's `socketOptions`: node:tls options plus these. */
export type AmqpSocketConnectionOptions = TlsConnectionOptions & {
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveDelay?: number;
  /** Milliseconds allowed for the TCP connect and TLS handshake. */
  timeout?: number;
  clientProperties?: Record<string, unknown>;
  /** `amqplib.credentials.external()` or `amqplib.credentials.plain(user, password)`. */
  credentials?: { mechanism: string; username?: string; password?: string; response?: () => Buffer };
};

/** What `socketOptions` turns into. */
export interface SocketOptionsReading {
  connectionOptions: ConnectionParametersOptions;
  /** A fixed delay between attempts (reconnectTimeInSeconds), in ms. */
  retryDelayMs?: number;
}

const SOCKET_OPTIONS_KEYS: Readonly<Record<string, OptionKind>> = {
  heartbeatIntervalInSeconds: 'number',
  reconnectTimeInSeconds: 'number',
  connectionOptions: 'object',
  clientProperties: 'object',
  findServers: 'function',
};

// node:tls connect and secure-context options: passed on to tls.connect for amqps URLs, as amqplib does.
const TLS_KEYS = [
  'ca', 'cert', 'key', 'passphrase', 'pfx', 'servername', 'rejectUnauthorized', 'checkServerIdentity', 'ciphers',
  'minVersion', 'maxVersion', 'secureProtocol', 'ecdhCurve', 'crl', 'secureContext', 'ALPNProtocols', 'session',
  'sigalgs', 'honorCipherOrder', 'secureOptions', 'dhparam', 'privateKeyEngine', 'privateKeyIdentifier', 'enableTrace',
  'minDHSize', 'pskCallback', 'clientCertEngine', 'sessionIdContext', 'ticketKeys', 'sessionTimeout',
] as const;

const CONNECTION_OPTIONS_SCHEMA: Readonly<Record<string, OptionKind>> = {
  ...Object.fromEntries(TLS_KEYS.map((key) => [key, 'any' as const])),
  noDelay: 'boolean',
  keepAlive: 'boolean',
  keepAliveDelay: 'integer',
  timeout: 'number',
  clientProperties: 'object',
  credentials: 'object',
};

/** Top-level keys of `socketOptions` read as amqplib socket options (Nest's index signature lets them through). */
const SOCKET_OPTIONS_SCHEMA: Readonly<Record<string, OptionKind>> = { ...SOCKET_OPTIONS_KEYS, ...CONNECTION_OPTIONS_SCHEMA };

const IGNORED_SOCKET_KEY =
  "amqp-connection-manager reads only heartbeatIntervalInSeconds, reconnectTimeInSeconds, findServers and connectionOptions, and amqplib's socket options; nothing here uses it";
const IGNORED_NET_KEY = 'a net.connect option the engine does not pass on (it owns the socket)';

/** net.connect options amqplib would pass on, that only the URL sets here. */
const URL_ONLY_KEYS = new Set(['host', 'port', 'path', 'family', 'localAddress', 'localPort', 'hints', 'lookup', 'autoSelectFamily']);

/** Reads `socketOptions`; `hasTls` says whether a URL is amqps (TLS options only apply there, as in amqplib). */
export function readSocketOptions(path: string, value: unknown, hasTls: boolean, warnings: OptionWarnings = []): SocketOptionsReading {
  const out: SocketOptionsReading = { connectionOptions: {} };
  if (value === undefined) return out;
  // Nest's type takes any key: a near miss of a known one is a typo (refused), anything else is warned.
  const given = checkOpenObject(path, value, SOCKET_OPTIONS_SCHEMA, warnings, IGNORED_SOCKET_KEY) as AmqpSocketOptions & { findServers?: unknown };
  const options = out.connectionOptions;
  if (given.findServers !== undefined) {
    throw new UnsupportedOptionError(`${path}.findServers`, 'list the broker nodes in urls (they are tried in order)');
  }
  if (given.heartbeatIntervalInSeconds !== undefined) options.heartbeat = given.heartbeatIntervalInSeconds;
  if (given.reconnectTimeInSeconds !== undefined) {
    if (!(given.reconnectTimeInSeconds >= 0)) {
      throw new InvalidOptionError(`${path}.reconnectTimeInSeconds`, `must be >= 0, got ${given.reconnectTimeInSeconds}`);
    }
    out.retryDelayMs = given.reconnectTimeInSeconds * 1000;
  }
  const name = given.clientProperties?.connectionName;
  if (given.clientProperties !== undefined) {
    const { connectionName: _name, ...rest } = given.clientProperties;
    if (Object.keys(rest).length > 0) options.clientProperties = rest as FieldTable;
    if (name !== undefined) {
      if (typeof name !== 'string') throw new InvalidOptionError(`${path}.clientProperties.connectionName`, `must be a string, got ${kindOf(name)}`);
      options.connectionName = name;
    }
  }
  // amqplib's socket options beside connectionOptions: read as if inside it (its own keys win).
  const beside = Object.fromEntries(
    Object.entries(given).filter(([key, v]) => v !== undefined && Object.hasOwn(CONNECTION_OPTIONS_SCHEMA, key) && key !== 'clientProperties'),
  );
  if (Object.keys(beside).length > 0) readConnectionOptions(path, beside, options, hasTls, warnings);
  if (given.connectionOptions !== undefined) {
    readConnectionOptions(`${path}.connectionOptions`, given.connectionOptions, options, hasTls, warnings);
  }
  return out;
}

function readConnectionOptions(path: string, value: object, options: ConnectionParametersOptions, hasTls: boolean, warnings: OptionWarnings): void {
  for (const key of Object.keys(value)) {
    if (URL_ONLY_KEYS.has(key)) throw new UnsupportedOptionError(`${path}.${key}`, 'the broker address comes from urls');
  }
  const given = checkOpenObject(path, value, CONNECTION_OPTIONS_SCHEMA, warnings, IGNORED_NET_KEY) as AmqpSocketConnectionOptions;
  const tls: Record<string, unknown> = {};
  for (const key of TLS_KEYS) if (given[key] !== undefined) tls[key] = given[key];
  // amqplib uses these only for amqps URLs; on amqp:// they change nothing, here as there.
  if (Object.keys(tls).length > 0 && hasTls) options.sslOptions = { ...options.sslOptions, ...tls } as TlsConnectionOptions;
  const tcp: TcpOptions = { ...options.tcpOptions };
  if (given.noDelay !== undefined) tcp.noDelay = given.noDelay;
  if (given.keepAlive !== undefined) tcp.keepAlive = given.keepAlive;
  if (given.keepAliveDelay !== undefined) tcp.keepAliveInitialDelay = given.keepAliveDelay;
  if (Object.keys(tcp).length > 0) options.tcpOptions = tcp;
  if (given.timeout !== undefined) {
    if (!(given.timeout > 0)) throw new InvalidOptionError(`${path}.timeout`, `must be > 0 (milliseconds), got ${given.timeout}`);
    options.socketTimeout = given.timeout / 1000;
  }
  if (given.clientProperties !== undefined) {
    options.clientProperties = { ...(options.clientProperties ?? {}), ...(given.clientProperties as FieldTable) };
  }
  if (given.credentials !== undefined) options.credentials = readCredentials(`${path}.credentials`, given.credentials);
}

function readCredentials(path: string, value: unknown): PlainCredentials | ExternalCredentials {
  if (value instanceof PlainCredentials || value instanceof ExternalCredentials) return value;
  if (!isPlainObject(value) || typeof value['mechanism'] !== 'string') {
    throw new InvalidOptionError(path, `must be amqplib.credentials.external() or .plain(user, password), got ${kindOf(value)}`);
  }
  const mechanism = value['mechanism'];
  if (mechanism === 'EXTERNAL') return new ExternalCredentials();
  if (mechanism === 'PLAIN' && typeof value['username'] === 'string' && typeof value['password'] === 'string') {
    return new PlainCredentials(value['username'], value['password']);
  }
  throw new UnsupportedOptionError(`${path}.mechanism`, `SASL ${mechanism} (supported: PLAIN, EXTERNAL)`);
}
