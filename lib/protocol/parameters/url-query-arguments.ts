/**
 * pika's URL query arguments, by their pika names, each turned into a connection option. The value
 * forms are pika's: integers for heartbeat/channel_max/frame_max/connection_attempts, floats (seconds)
 * for the timeouts and retry_delay, `t`/`f` for backpressure_detection, a Python (or JSON) literal for
 * client_properties, tcp_options and ssl_options. Errors name the argument; values of ssl_options are
 * never echoed (they may hold a key passphrase).
 * Not part of the public API (a file-level `@internal` would make stripInternal drop the first import).
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { FieldTable } from '../codec/index.js';
import { ParameterError } from '../errors.js';
import { LIMITS, type ConnectionParametersOptions, type TcpOptions } from './defaults.js';
import { LiteralSyntaxError, parseLiteral, type Literal } from './query-literal.js';
import { describe, integerInRange, isPlainObject, nonEmptyString, seconds, shortString } from './validate.js';

/** What the query arguments see of the rest of the URL. */
export interface QueryContext {
  /** The scheme was amqps. */
  readonly secureScheme: boolean;
}

type Setter = (value: string, context: QueryContext) => ConnectionParametersOptions;

const INTEGER = /^\s*[+-]?\d+\s*$/;
const SHOWABLE = /^[\w.+-]{0,64}$/;

/**
 * A raw URL value for an error message, or a neutral phrase when it holds characters a stray piece
 * of a mistyped user:password could bring along.
 */
export function shown(value: string): string {
  return SHOWABLE.test(value) ? JSON.stringify(value) : 'a malformed value';
}
const FLOAT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function parseInteger(name: string, value: string, min: number, max: number): number {
  if (!INTEGER.test(value)) throw new ParameterError(name, `must be an integer, got ${shown(value)}`);
  return integerInRange(name, Number(value), min, max);
}

function parseSeconds(name: string, value: string, exclusiveZero: boolean): number {
  if (!FLOAT.test(value)) throw new ParameterError(name, `must be a number of seconds, got ${shown(value)}`);
  return seconds(name, Number(value), exclusiveZero);
}

function parseDict(name: string, value: string, secret: boolean): { [key: string]: Literal } | null {
  let parsed: Literal;
  try {
    parsed = parseLiteral(value);
  } catch (error) {
    if (!(error instanceof LiteralSyntaxError)) throw error;
    throw new ParameterError(
      name,
      `not a valid literal (${secret ? `at position ${error.position}` : error.message})`,
    );
  }
  if (parsed === null) return null;
  if (!isPlainObject(parsed))
    throw new ParameterError(name, `must be a dict literal such as {'key': 'value'}`);
  return parsed;
}

function readPemFile(name: string, path: Literal): Buffer {
  if (typeof path !== 'string' || path.length === 0) throw new ParameterError(name, 'must be a file path');
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable';
    throw new ParameterError(name, `cannot read file "${path}" (${code})`);
  }
}

function stringValue(name: string, value: Literal): string {
  if (typeof value !== 'string') throw new ParameterError(name, 'must be a string');
  return value;
}

/** pika's TCP option names (Linux socket options) and ours, onto what Node's sockets can do. */
function tcpOptions(value: string): ConnectionParametersOptions {
  const dict = parseDict('tcp_options', value, false);
  if (dict === null) return {};
  const out: TcpOptions = {};
  for (const [key, v] of Object.entries(dict)) {
    const name = `tcp_options.${key}`;
    switch (key) {
      case 'TCP_KEEPIDLE':
        out.keepAlive = true;
        out.keepAliveInitialDelay = integerInRange(name, v, 0, 2 ** 31 / 1000 - 1) * 1000;
        break;
      case 'TCP_NODELAY':
        if (v !== true && v !== false && v !== 0 && v !== 1)
          throw new ParameterError(name, `must be 0, 1, True or False, got ${describe(v)}`);
        out.noDelay = Boolean(v);
        break;
      case 'noDelay':
      case 'keepAlive':
        if (typeof v !== 'boolean')
          throw new ParameterError(name, `must be True or False, got ${describe(v)}`);
        out[key] = v;
        break;
      case 'keepAliveInitialDelay':
        out.keepAliveInitialDelay = integerInRange(name, v, 0, 2 ** 31 - 1);
        break;
      case 'TCP_KEEPINTVL':
      case 'TCP_KEEPCNT':
      case 'TCP_USER_TIMEOUT':
        throw new ParameterError(
          name,
          'not supported by Node sockets (supported: TCP_KEEPIDLE, TCP_NODELAY, noDelay, keepAlive, keepAliveInitialDelay)',
        );
      default:
        throw new ParameterError(
          name,
          'unknown TCP option (supported: TCP_KEEPIDLE, TCP_NODELAY, noDelay, keepAlive, keepAliveInitialDelay)',
        );
    }
  }
  return { tcpOptions: out };
}

/** Cipher-list words that admit unauthenticated or unencrypted suites. */
const UNSAFE_CIPHER = /^[+]?(?:aNULL|eNULL|NULL|kNULL|ADH|AECDH|COMPLEMENTOFALL|COMPLEMENTOFDEFAULT)(?:-|$)/;

/**
 * A cipher list from a URL must not bring in suites without authentication or encryption (that
 * would switch verification off by another door); `!aNULL`-style exclusions are fine.
 */
function checkedCiphers(name: string, ciphers: string): string {
  for (const word of ciphers.split(/[:, ]+/)) {
    if (UNSAFE_CIPHER.test(word))
      throw new ParameterError(name, 'a cipher list from a URL must not admit unauthenticated or unencrypted suites');
  }
  return ciphers;
}

/** pika's ssl_options keys (Python ssl names) and node:tls names, onto node:tls options. */
function sslOptions(value: string, context: QueryContext): ConnectionParametersOptions {
  const dict = parseDict('ssl_options', value, true);
  if (dict === null) {
    if (context.secureScheme)
      throw new ParameterError('ssl_options', 'None is inconsistent with the amqps scheme');
    return {};
  }
  const tls: TlsConnectionOptions = {};
  for (const [key, v] of Object.entries(dict)) {
    const name = `ssl_options.${key}`;
    switch (key) {
      case 'ca_certs':
      case 'cafile':
        tls.ca = readPemFile(name, v);
        break;
      case 'ca_data':
      case 'cadata':
      case 'ca':
        tls.ca = stringValue(name, v);
        break;
      case 'certfile':
        tls.cert = readPemFile(name, v);
        break;
      case 'cert':
        tls.cert = stringValue(name, v);
        break;
      case 'keyfile':
        tls.key = readPemFile(name, v);
        break;
      case 'key':
        tls.key = stringValue(name, v);
        break;
      case 'password':
      case 'passphrase':
        tls.passphrase = stringValue(name, v);
        break;
      case 'ciphers':
        tls.ciphers = checkedCiphers(name, stringValue(name, v));
        break;
      case 'server_hostname':
      case 'servername':
        tls.servername = stringValue(name, v);
        break;
      case 'rejectUnauthorized':
      case 'reject_unauthorized':
        // Whoever can change a URL (an environment variable, a config file) must not be able to turn
        // certificate checks off with it; pika's URL form has no such switch either.
        if (v !== true)
          throw new ParameterError(
            name,
            'TLS certificate verification cannot be switched off from a URL; set sslOptions.rejectUnauthorized in code if you must',
          );
        tls.rejectUnauthorized = true;
        break;
      case 'ca_path':
      case 'capath':
      case 'protocol':
        throw new ParameterError(
          name,
          'not supported by node:tls (use ca_certs, certfile, keyfile, password, ciphers, server_hostname)',
        );
      default:
        throw new ParameterError(
          name,
          'unknown TLS option (ca_certs, cafile, ca_data, certfile, keyfile, password, ciphers, server_hostname, rejectUnauthorized)',
        );
    }
  }
  return { ssl: true, sslOptions: tls };
}

/** Every accepted query argument by its pika name (plus `connection_name`). */
export const QUERY_ARGUMENTS: Readonly<Record<string, Setter>> = Object.freeze({
  heartbeat: (v) => ({ heartbeat: parseInteger('heartbeat', v, LIMITS.heartbeat.min, LIMITS.heartbeat.max) }),
  channel_max: (v) => ({
    channelMax: parseInteger('channel_max', v, LIMITS.channelMax.min, LIMITS.channelMax.max),
  }),
  frame_max: (v) => ({ frameMax: parseInteger('frame_max', v, LIMITS.frameMax.min, LIMITS.frameMax.max) }),
  connection_attempts: (v) => ({
    connectionAttempts: parseInteger('connection_attempts', v, 1, Number.MAX_SAFE_INTEGER),
  }),
  retry_delay: (v) => ({ retryDelay: parseSeconds('retry_delay', v, false) }),
  socket_timeout: (v) => ({ socketTimeout: parseSeconds('socket_timeout', v, true) }),
  stack_timeout: (v) => ({ stackTimeout: parseSeconds('stack_timeout', v, true) }),
  handshake_timeout: (v) => ({ handshakeTimeout: parseSeconds('handshake_timeout', v, true) }),
  rpc_timeout: (v) => ({ rpcTimeout: parseSeconds('rpc_timeout', v, false) }),
  blocked_connection_timeout: (v) => ({
    blockedConnectionTimeout: parseSeconds('blocked_connection_timeout', v, false),
  }),
  write_timeout: (v) => ({
    writeTimeout: parseInteger('write_timeout', v, LIMITS.writeTimeout.min, LIMITS.writeTimeout.max),
  }),
  locale: (v) => ({ locale: shortString('locale', v, false) }),
  connection_name: (v) => ({ connectionName: nonEmptyString('connection_name', v) }),
  backpressure_detection: (v) => {
    // pika's forms are 't' and 'f'; 'true'/'false' read the same
    const flag = ({ t: true, f: false, true: true, false: false } as Record<string, boolean>)[
      v.toLowerCase()
    ];
    if (flag === undefined)
      throw new ParameterError('backpressure_detection', `must be t or f, got ${shown(v)}`);
    return { backpressureDetection: flag };
  },
  client_properties: (v) => {
    const dict = parseDict('client_properties', v, false);
    return dict === null ? {} : { clientProperties: dict as FieldTable };
  },
  tcp_options: tcpOptions,
  ssl_options: sslOptions,
} satisfies Record<string, Setter>);
