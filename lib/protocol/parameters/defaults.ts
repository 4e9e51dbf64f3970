/**
 * Every connection option and its default, in one place. `ConnectionParameters` and `URLParameters`
 * both resolve against these, so a URL and an options object can never disagree on a default.
 * The defaults are pika's.
 */
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { FieldTable } from '../codec/index.js';
import type { ExternalCredentials, PlainCredentials } from './credentials.js';

/**
 * Heartbeat choice: a number of seconds (0 = off), or a function given the broker's proposal that
 * returns the value to use (as pika's callable heartbeat).
 */
export type HeartbeatOption = number | ((connection: unknown, brokerValue: number) => number);

/** Socket options applied to the TCP socket once connected. */
export interface TcpOptions {
  /** Disable Nagle's algorithm (frames go out at once). @default true */
  noDelay?: boolean;
  /**
   * Enable TCP keep-alive probes, so a peer that vanished without a word is found by the OS even
   * with heartbeats off. @default true
   */
  keepAlive?: boolean;
  /** Idle time before the first keep-alive probe, in milliseconds (0 = the OS default). @default 60000 */
  keepAliveInitialDelay?: number;
}

/** Options accepted by `new ConnectionParameters(options)`; each one omitted takes its default. */
export interface ConnectionParametersOptions {
  /** Broker host name or IP address. @default 'localhost' */
  host?: string;
  /** Broker port. @default 5672, or 5671 when `ssl` is on */
  port?: number;
  /** Virtual host. @default '/' */
  virtualHost?: string;
  /** Login credentials. @default new PlainCredentials('guest', 'guest') */
  credentials?: PlainCredentials | ExternalCredentials;
  /** Highest channel number asked for at tune (1..65535). @default 65535 */
  channelMax?: number;
  /** Largest frame asked for at tune, in bytes (4096..2^31-1). @default 131072 */
  frameMax?: number;
  /**
   * Heartbeat in seconds (0..65535, 0 = off), or a function choosing it from the broker's proposal.
   * A value set here wins over the broker's proposal, 0 included.
   * @default undefined (accept the broker's value; 60 when the broker proposes 0)
   */
  heartbeat?: HeartbeatOption;
  /** How many times each host is tried before giving up (>= 1). @default 1 */
  connectionAttempts?: number;
  /** Seconds to wait between connection attempts (>= 0). @default 2 */
  retryDelay?: number;
  /** Seconds allowed for the TCP connect and TLS handshake (> 0). @default 10 */
  socketTimeout?: number;
  /** Seconds allowed for the whole bring-up until connection.open-ok (> 0). @default 15 */
  stackTimeout?: number;
  /**
   * Seconds allowed between the socket being up (TCP, and TLS when on) and the broker's first
   * method, connection.start (> 0): a port that accepts connections and says nothing fails this
   * fast instead of waiting out `stackTimeout`. @default 5
   */
  handshakeTimeout?: number;
  /**
   * Seconds a synchronous method (channel.open, channel.close, queue.declare, basic.qos ...) may
   * wait for the broker's reply before it fails with an `RpcTimeoutError` and its channel is
   * closed (>= 0; 0 = wait for ever). The clock stands still while the broker blocks the
   * connection (`blockedConnectionTimeout` governs that). @default 30
   */
  rpcTimeout?: number;
  /**
   * Seconds the connection may stay blocked by the broker before it is torn down (>= 0).
   * @default undefined (no limit)
   */
  blockedConnectionTimeout?: number;
  /**
   * Milliseconds bytes may wait in the socket with none of them reaching the network before the
   * link is declared dead (a `WriteTimeoutError`, and a RecoveringConnection recovers): a path that
   * froze without a FIN or RST is found this fast instead of after two heartbeat intervals. Checked
   * every quarter of it; not while the broker has the connection blocked (`blockedConnectionTimeout`
   * bounds that); 0 = off. @default 30000
   */
  writeTimeout?: number;
  /** Locale sent in connection.start-ok. @default 'en_US' */
  locale?: string;
  /** Client properties merged over the defaults the connection sends. @default undefined */
  clientProperties?: FieldTable;
  /**
   * Name shown by the broker for this connection (the `connection_name` client property).
   * @default undefined, or `clientProperties.connection_name` when that is a string
   */
  connectionName?: string;
  /** TCP socket options. @default { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 } */
  tcpOptions?: TcpOptions;
  /** Enable the frame-size multiplier backpressure monitor. @default false */
  backpressureDetection?: boolean;
  /** Connect with TLS. @default false, or true when `sslOptions` is given or the URL is amqps:// */
  ssl?: boolean;
  /** TLS options (ca, cert, key, servername, rejectUnauthorized ...). @default undefined */
  sslOptions?: TlsConnectionOptions;
  /** Inbound message bodies larger than this many bytes are refused. @default 67108864 (64 MiB) */
  maxBodySize?: number;
}

/** The option names, for rejecting misspelt ones. */
export const OPTION_NAMES: ReadonlySet<keyof ConnectionParametersOptions> = new Set<
  keyof ConnectionParametersOptions
>([
  'host',
  'port',
  'virtualHost',
  'credentials',
  'channelMax',
  'frameMax',
  'heartbeat',
  'connectionAttempts',
  'retryDelay',
  'socketTimeout',
  'stackTimeout',
  'handshakeTimeout',
  'rpcTimeout',
  'blockedConnectionTimeout',
  'writeTimeout',
  'locale',
  'clientProperties',
  'connectionName',
  'tcpOptions',
  'backpressureDetection',
  'ssl',
  'sslOptions',
  'maxBodySize',
]);

/** The defaults themselves (pika's). Timeouts are in seconds as in pika. */
export const DEFAULTS = {
  host: 'localhost',
  port: 5672,
  sslPort: 5671,
  virtualHost: '/',
  username: 'guest',
  password: 'guest',
  channelMax: 65535,
  frameMax: 131072,
  heartbeat: undefined,
  connectionAttempts: 1,
  retryDelay: 2,
  socketTimeout: 10,
  stackTimeout: 15,
  handshakeTimeout: 5,
  rpcTimeout: 30,
  blockedConnectionTimeout: undefined,
  /** Milliseconds, unlike pika's timeouts (a URL's write_timeout too). */
  writeTimeout: 30_000,
  locale: 'en_US',
  tcpOptions: { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60000 },
  backpressureDetection: false,
  ssl: false,
  maxBodySize: 64 * 1024 * 1024,
} as const;

/** Limits the options are checked against. */
export const LIMITS = {
  channelMax: { min: 1, max: 65535 },
  /** 4096 is the spec's minimum frame_max; 2^31-1 keeps the frame size a positive signed long. */
  frameMax: { min: 4096, max: 2 ** 31 - 1 },
  heartbeat: { min: 0, max: 65535 },
  port: { min: 1, max: 65535 },
  /** Milliseconds; the upper end is the largest delay a Node timer takes. */
  writeTimeout: { min: 0, max: 2 ** 31 - 1 },
  /** Short strings on the wire (virtual host, locale) hold at most 255 bytes. */
  shortString: 255,
} as const;
