/**
 * Broker addresses as Nest's RMQ transport takes them: URL strings, or amqplib's URL objects
 * (Nest's `RmqUrl`). Both become one URL string for the engine, which parses it once.
 */
import { InvalidOptionError } from '../../protocol/errors.js';
import { checkObject, kindOf, type OptionKind } from './option-check.js';

/** amqplib's connection object (Nest's `RmqUrl`): the parts of a URL as fields. */
export interface AmqpUrl {
  /** 'amqp' or 'amqps'. @default 'amqp' */
  protocol?: string;
  /** @default 'localhost' */
  hostname?: string;
  /** @default 5672, or 5671 for amqps */
  port?: number;
  /** @default 'guest' */
  username?: string;
  /** @default 'guest' */
  password?: string;
  /** @default 'en_US' */
  locale?: string;
  /** Largest frame in bytes. @default 131072 */
  frameMax?: number;
  /** Heartbeat in seconds, 0 = off. @default the broker's proposal */
  heartbeat?: number;
  /** @default '/' */
  vhost?: string;
}

const URL_OBJECT_SCHEMA: Readonly<Record<keyof AmqpUrl, OptionKind>> = {
  protocol: 'string',
  hostname: 'string',
  port: 'integer',
  username: 'string',
  password: 'string',
  locale: 'string',
  frameMax: 'integer',
  heartbeat: 'integer',
  vhost: 'string',
};

/** amqplib's query argument names, as the engine (pika's names) spells them. */
const AMQPLIB_QUERY_NAMES: Readonly<Record<string, string>> = { frameMax: 'frame_max', channelMax: 'channel_max' };

/** One URL string per entry of `urls`, checked; `path` names the option in errors. */
export function normalizeUrls(path: string, urls: unknown): string[] | undefined {
  if (urls === undefined) return undefined;
  if (!Array.isArray(urls)) {
    throw new InvalidOptionError(path, `must be an array of URL strings or URL objects, got ${kindOf(urls)}${typeof urls === 'string' ? " (write ['amqp://...'])" : ''}`);
  }
  return urls.map((url: unknown, index) => normalizeUrl(`${path}[${index}]`, url));
}

function normalizeUrl(path: string, url: unknown): string {
  if (typeof url === 'string') return translateQuery(url);
  const given = checkObject(path, url, URL_OBJECT_SCHEMA) as AmqpUrl;
  return urlFromObject(path, given);
}

/** amqplib's `?frameMax=` / `?channelMax=` become the engine's `frame_max` / `channel_max`. */
function translateQuery(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const renamed = Object.hasOwn(AMQPLIB_QUERY_NAMES, name) ? AMQPLIB_QUERY_NAMES[name] : undefined;
      return renamed === undefined ? pair : renamed + pair.slice(name.length);
    })
    .join('&');
  return `${url.slice(0, queryAt)}?${query}`;
}

function urlFromObject(path: string, url: AmqpUrl): string {
  const protocol = (url.protocol ?? 'amqp').replace(/:$/, '');
  if (protocol !== 'amqp' && protocol !== 'amqps') {
    throw new InvalidOptionError(`${path}.protocol`, `must be 'amqp' or 'amqps', got "${protocol}"`);
  }
  const user =
    url.username === undefined && url.password === undefined
      ? ''
      : `${encodeURIComponent(url.username ?? 'guest')}:${encodeURIComponent(url.password ?? 'guest')}@`;
  const host = url.hostname ?? 'localhost';
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const port = url.port === undefined ? '' : `:${url.port}`;
  const vhost = url.vhost === undefined ? '' : `/${encodeURIComponent(url.vhost)}`;
  const query: string[] = [];
  if (url.heartbeat !== undefined) query.push(`heartbeat=${url.heartbeat}`);
  if (url.frameMax !== undefined) query.push(`frame_max=${url.frameMax}`);
  if (url.locale !== undefined) query.push(`locale=${encodeURIComponent(url.locale)}`);
  return `${protocol}://${user}${hostPart}${port}${vhost}${query.length === 0 ? '' : `?${query.join('&')}`}`;
}
