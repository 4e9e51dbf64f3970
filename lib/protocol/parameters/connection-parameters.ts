/**
 * Resolved connection parameters: every option checked and given its default once, here, so the
 * connection reads plain values. Nothing here shows a secret: the password stays inside the
 * credentials object, and TLS keys and passphrases are redacted from toString/inspect/JSON.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { inspect, type InspectOptions } from 'node:util';
import type { FieldTable } from '../codec/index.js';
import { ParameterError } from '../errors.js';
import { ExternalCredentials, PlainCredentials, type Credentials } from './credentials.js';
import {
  DEFAULTS,
  LIMITS,
  OPTION_NAMES,
  type ConnectionParametersOptions,
  type HeartbeatOption,
  type TcpOptions,
} from './defaults.js';
import {
  boolean,
  describe,
  integerInRange,
  isPlainObject,
  nonEmptyString,
  plainObject,
  seconds,
  shortString,
} from './validate.js';

const TCP_OPTION_NAMES = new Set(['noDelay', 'keepAlive', 'keepAliveInitialDelay']);
/** TLS option keys whose values are secrets or bulky key material: never printed. */
const SECRET_TLS_KEYS = new Set([
  'key',
  'passphrase',
  'pfx',
  'privateKeyIdentifier',
  'privateKeyEngine',
  'secureContext',
]);

function resolveHeartbeat(value: unknown): HeartbeatOption | undefined {
  if (value === undefined || typeof value === 'function') return value as HeartbeatOption | undefined;
  return integerInRange('heartbeat', value, LIMITS.heartbeat.min, LIMITS.heartbeat.max);
}

function resolveTcpOptions(value: unknown): Readonly<Required<TcpOptions>> {
  const resolved: Required<TcpOptions> = { ...DEFAULTS.tcpOptions };
  if (value === undefined) return Object.freeze(resolved);
  const given = plainObject('tcpOptions', value);
  for (const [key, v] of Object.entries(given)) {
    if (!TCP_OPTION_NAMES.has(key))
      throw new ParameterError(
        `tcpOptions.${key}`,
        'unknown TCP option (noDelay, keepAlive, keepAliveInitialDelay)',
      );
    if (v === undefined) continue;
    if (key === 'keepAliveInitialDelay')
      resolved.keepAliveInitialDelay = integerInRange('tcpOptions.keepAliveInitialDelay', v, 0, 2 ** 31 - 1);
    else resolved[key as 'noDelay' | 'keepAlive'] = boolean(`tcpOptions.${key}`, v);
  }
  return Object.freeze(resolved);
}

function resolveCredentials(value: unknown): Credentials {
  if (value === undefined) return new PlainCredentials(DEFAULTS.username, DEFAULTS.password);
  if (value instanceof PlainCredentials || value instanceof ExternalCredentials) return value;
  throw new ParameterError(
    'credentials',
    `must be a PlainCredentials or ExternalCredentials, got ${describe(value)}`,
  );
}

/** Brackets an IPv6 literal so it can sit before `:port`. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A copy of TLS options safe to print: secrets and key material replaced by a marker. */
function redactTls(options: TlsConnectionOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (SECRET_TLS_KEYS.has(key)) out[key] = '[redacted]';
    else if (key === 'ca' || key === 'cert' || key === 'crl') out[key] = '[set]';
    else if (typeof value === 'function') out[key] = '[function]';
    else if (typeof value === 'object' && value !== null) out[key] = '[object]';
    else out[key] = value;
  }
  return out;
}

/**
 * Where and how to connect: host, port, virtual host, credentials, tuning, timeouts (seconds) and
 * socket options, each resolved to its default (see {@link DEFAULTS}). Bad values throw a
 * `ParameterError` naming the option.
 */
export class ConnectionParameters {
  /** @default 'localhost' */
  readonly host: string;
  /** @default 5672, or 5671 with TLS */
  readonly port: number;
  /** @default '/' */
  readonly virtualHost: string;
  /** @default PlainCredentials('guest', 'guest') */
  readonly credentials: Credentials;
  /** @default 65535 */
  readonly channelMax: number;
  /** @default 131072 */
  readonly frameMax: number;
  /** undefined = accept the broker's proposal (60 when it proposes 0); 0 = off. @default undefined */
  readonly heartbeat: HeartbeatOption | undefined;
  /** @default 1 */
  readonly connectionAttempts: number;
  /** Seconds. @default 2 */
  readonly retryDelay: number;
  /** Seconds. @default 10 */
  readonly socketTimeout: number;
  /** Seconds. @default 15 */
  readonly stackTimeout: number;
  /** Seconds from the socket being up to connection.start. @default 5 */
  readonly handshakeTimeout: number;
  /** Seconds a synchronous method waits for its reply; 0 = no limit. @default 30 */
  readonly rpcTimeout: number;
  /** Seconds; undefined = no limit. @default undefined */
  readonly blockedConnectionTimeout: number | undefined;
  /** Milliseconds of pending bytes without progress before the link is declared dead; 0 = off. @default 30000 */
  readonly writeTimeout: number;
  /** @default 'en_US' */
  readonly locale: string;
  /** The user's client properties (merged over the connection's defaults when it sends them). */
  readonly clientProperties: FieldTable | undefined;
  /** Connection name shown by the broker. */
  readonly connectionName: string | undefined;
  /** @default { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 } */
  readonly tcpOptions: Readonly<Required<TcpOptions>>;
  /** @default false */
  readonly backpressureDetection: boolean;
  /** @default false (true for amqps:// or when sslOptions are given) */
  readonly ssl: boolean;
  /** TLS options for node:tls.connect (only used when `ssl`). */
  readonly sslOptions: TlsConnectionOptions | undefined;
  /** Bytes. @default 67108864 */
  readonly maxBodySize: number;

  /** The options as given (not the defaults), so {@link with} can re-resolve port and ssl correctly. */
  readonly #given: ConnectionParametersOptions;

  constructor(options: ConnectionParametersOptions = {}) {
    if (!isPlainObject(options))
      throw new ParameterError('options', `must be a plain object, got ${describe(options)}`);
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key as keyof ConnectionParametersOptions))
        throw new ParameterError(key, 'unknown connection option');
    }
    const o = options;
    this.#given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

    this.host = o.host === undefined ? DEFAULTS.host : nonEmptyString('host', o.host);
    this.sslOptions =
      o.sslOptions === undefined
        ? undefined
        : (plainObject('sslOptions', o.sslOptions) as TlsConnectionOptions);
    this.ssl = o.ssl === undefined ? this.sslOptions !== undefined : boolean('ssl', o.ssl);
    const defaultPort = this.ssl ? DEFAULTS.sslPort : DEFAULTS.port;
    this.port =
      o.port === undefined ? defaultPort : integerInRange('port', o.port, LIMITS.port.min, LIMITS.port.max);
    this.virtualHost =
      o.virtualHost === undefined ? DEFAULTS.virtualHost : shortString('virtualHost', o.virtualHost, true);
    this.credentials = resolveCredentials(o.credentials);
    this.channelMax =
      o.channelMax === undefined
        ? DEFAULTS.channelMax
        : integerInRange('channelMax', o.channelMax, LIMITS.channelMax.min, LIMITS.channelMax.max);
    this.frameMax =
      o.frameMax === undefined
        ? DEFAULTS.frameMax
        : integerInRange('frameMax', o.frameMax, LIMITS.frameMax.min, LIMITS.frameMax.max);
    this.heartbeat = resolveHeartbeat(o.heartbeat);
    this.connectionAttempts =
      o.connectionAttempts === undefined
        ? DEFAULTS.connectionAttempts
        : integerInRange('connectionAttempts', o.connectionAttempts, 1, Number.MAX_SAFE_INTEGER);
    this.retryDelay =
      o.retryDelay === undefined ? DEFAULTS.retryDelay : seconds('retryDelay', o.retryDelay, false);
    this.socketTimeout =
      o.socketTimeout === undefined
        ? DEFAULTS.socketTimeout
        : seconds('socketTimeout', o.socketTimeout, true);
    this.stackTimeout =
      o.stackTimeout === undefined ? DEFAULTS.stackTimeout : seconds('stackTimeout', o.stackTimeout, true);
    this.handshakeTimeout =
      o.handshakeTimeout === undefined
        ? DEFAULTS.handshakeTimeout
        : seconds('handshakeTimeout', o.handshakeTimeout, true);
    this.rpcTimeout = o.rpcTimeout === undefined ? DEFAULTS.rpcTimeout : seconds('rpcTimeout', o.rpcTimeout, false);
    this.blockedConnectionTimeout =
      o.blockedConnectionTimeout === undefined
        ? undefined
        : seconds('blockedConnectionTimeout', o.blockedConnectionTimeout, false);
    this.writeTimeout =
      o.writeTimeout === undefined
        ? DEFAULTS.writeTimeout
        : integerInRange('writeTimeout', o.writeTimeout, LIMITS.writeTimeout.min, LIMITS.writeTimeout.max);
    this.locale = o.locale === undefined ? DEFAULTS.locale : shortString('locale', o.locale, false);
    this.clientProperties =
      o.clientProperties === undefined
        ? undefined
        : { ...(plainObject('clientProperties', o.clientProperties) as FieldTable) };
    const nameFromProperties = this.clientProperties?.['connection_name'];
    this.connectionName =
      o.connectionName !== undefined
        ? nonEmptyString('connectionName', o.connectionName)
        : typeof nameFromProperties === 'string'
          ? nameFromProperties
          : undefined;
    this.tcpOptions = resolveTcpOptions(o.tcpOptions);
    this.backpressureDetection =
      o.backpressureDetection === undefined
        ? DEFAULTS.backpressureDetection
        : boolean('backpressureDetection', o.backpressureDetection);
    this.maxBodySize =
      o.maxBodySize === undefined
        ? DEFAULTS.maxBodySize
        : integerInRange('maxBodySize', o.maxBodySize, 1, Number.MAX_SAFE_INTEGER);
  }

  /** The options this instance was built from (only those given, defaults left out). */
  toOptions(): ConnectionParametersOptions {
    return { ...this.#given };
  }

  /**
   * New parameters with `overrides` applied over the options this one was built from; defaults
   * that depend on others (the port on ssl) are resolved again.
   */
  with(overrides: ConnectionParametersOptions): ConnectionParameters {
    const defined = Object.fromEntries(
      Object.entries(plainObject('overrides', overrides)).filter(([, v]) => v !== undefined),
    );
    return new ConnectionParameters({ ...this.#given, ...defined });
  }

  /** `amqp[s]://user@host:port/vhost`: where this connects, without the password. */
  get displayUrl(): string {
    const user =
      this.credentials instanceof PlainCredentials ? `${encodeURIComponent(this.credentials.username)}@` : '';
    return `${this.ssl ? 'amqps' : 'amqp'}://${user}${hostForUrl(this.host)}:${this.port}/${encodeURIComponent(this.virtualHost)}`;
  }

  toString(): string {
    return `${this.constructor.name}(${this.displayUrl})`;
  }

  /** A printable summary: credentials without the password, TLS secrets redacted. */
  toJSON(): Record<string, unknown> {
    return {
      host: this.host,
      port: this.port,
      virtualHost: this.virtualHost,
      credentials: this.credentials.toJSON(),
      channelMax: this.channelMax,
      frameMax: this.frameMax,
      heartbeat: typeof this.heartbeat === 'function' ? '[function]' : this.heartbeat,
      connectionAttempts: this.connectionAttempts,
      retryDelay: this.retryDelay,
      socketTimeout: this.socketTimeout,
      stackTimeout: this.stackTimeout,
      handshakeTimeout: this.handshakeTimeout,
      rpcTimeout: this.rpcTimeout,
      blockedConnectionTimeout: this.blockedConnectionTimeout,
      writeTimeout: this.writeTimeout,
      locale: this.locale,
      clientProperties: this.clientProperties,
      connectionName: this.connectionName,
      tcpOptions: this.tcpOptions,
      backpressureDetection: this.backpressureDetection,
      ssl: this.ssl,
      sslOptions: this.sslOptions === undefined ? undefined : redactTls(this.sslOptions),
      maxBodySize: this.maxBodySize,
    };
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    if (depth < 0) return this.toString();
    return `${this.constructor.name} ${inspect(this.toJSON(), { ...options, depth: 2 })}`;
  }
}
