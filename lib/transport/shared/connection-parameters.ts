import {
  ConnectionParameters,
  URLParameters,
  type ConnectionParametersOptions,
} from '../../protocol/index.js';
import type { AmqpConnectionOptions } from '../interfaces/connection-options.interface.js';

/** Nest's RMQ transport uses the same default. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672';

/** Every option a resolved ConnectionParameters carries under the same name. */
const OPTION_KEYS = [
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
  'blockedConnectionTimeout',
  'locale',
  'clientProperties',
  'connectionName',
  'tcpOptions',
  'backpressureDetection',
  'ssl',
  'sslOptions',
  'maxBodySize',
] as const satisfies ReadonlyArray<keyof ConnectionParametersOptions>;

/**
 * Turns the Nest options into the engine's host list: each URL, with `connectionOptions` and
 * `connectionName` laid over what the URL says (the URL gives host, port, vhost and credentials;
 * the options give the tuning shared by every host).
 */
export function resolveParameters(options: AmqpConnectionOptions): ConnectionParameters[] {
  const urls = options.urls !== undefined && options.urls.length > 0 ? options.urls : [DEFAULT_AMQP_URL];
  const overrides: ConnectionParametersOptions = { ...options.connectionOptions };
  if (options.connectionName !== undefined) overrides.connectionName = options.connectionName;
  return urls.map((url) => {
    const fromUrl = new URLParameters(url);
    if (Object.keys(overrides).length === 0) return fromUrl;
    return new ConnectionParameters({ ...optionsOf(fromUrl), ...overrides });
  });
}

function optionsOf(parameters: ConnectionParameters): ConnectionParametersOptions {
  const source = parameters as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const value = source[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as ConnectionParametersOptions;
}
