import {
  URLParameters,
  type ConnectionParameters,
  type ConnectionParametersOptions,
} from '../../protocol/index.js';
import type { AmqpConnectionOptions } from '../options/connection-options.js';
import { normalizeUrls, type AmqpUrl } from '../options/amqp-url.js';

/** Nest's RMQ transport uses the same default. */
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672';

/**
 * Turns the Nest options into the engine's host list: each URL, with `connectionOptions` and
 * `connectionName` laid over what the URL says (the URL gives host, port, vhost and credentials;
 * the options give the tuning shared by every host).
 */
export function resolveParameters(options: AmqpConnectionOptions): ConnectionParameters[] {
  const urls = options.urls !== undefined && options.urls.length > 0 ? urlStrings(options.urls) : [DEFAULT_AMQP_URL];
  const overrides: ConnectionParametersOptions = { ...options.connectionOptions };
  if (options.connectionName !== undefined) overrides.connectionName = options.connectionName;
  const hasOverrides = Object.values(overrides).some((value) => value !== undefined);
  return urls.map((url) => {
    const fromUrl = new URLParameters(url);
    return hasOverrides ? fromUrl.with(overrides) : fromUrl;
  });
}

/** The URLs as strings (amqplib's URL objects, Nest's RmqUrl, written out as URLs). */
export function urlStrings(urls: ReadonlyArray<string | AmqpUrl>): string[] {
  return urls.every((url) => typeof url === 'string') ? (urls as string[]) : (normalizeUrls('urls', urls) ?? []);
}
