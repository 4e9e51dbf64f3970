/**
 * Secrets out of reach: the Nest-layer objects (ServerAMQP, ClientAMQP, AmqpPublisher, the module's
 * options provider, AmqpConnectionHost) keep their options *sealed*: a copy whose URLs have the
 * password masked and whose TLS key material reads '[redacted]'. The original options live only in
 * this module's WeakMap, keyed by the sealed copy, which nothing else can reach: util.inspect (even
 * with showHidden), JSON.stringify and log lines of those objects see the sealed copy alone.
 * AmqpConnectionHost reveals the original when it connects.
 */
import { InvalidArgumentError } from '../../protocol/index.js';
import type { AmqpConnectionOptions } from '../options/connection-options.js';
import { urlStrings } from './connection-parameters.js';

const originals = new WeakMap<object, AmqpConnectionOptions>();

/** What a masked password reads as. */
export const REDACTED = '***';
const SECRET_TLS_KEYS = ['key', 'passphrase', 'pfx'] as const;

/** `amqp://user:***@host/vhost`: the URL with its password and TLS secrets masked (everything else kept). */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  if (start < 0) return url.includes('@') ? `[${REDACTED}]` : url;
  return redactQuerySecrets(redactUserinfo(url, start + 3));
}

function redactUserinfo(url: string, authorityStart: number): string {
  const colon = url.indexOf(':', authorityStart);
  // An '@' after the first '/', '?' or '#' makes the password's end ambiguous (such URLs are refused
  // by sealOptions and the engine): everything up to the last '@' is masked, so no reading of it
  // prints a password.
  if (isAmbiguousUserinfo(url, authorityStart)) {
    const last = url.lastIndexOf('@');
    return colon < 0 || colon > last ? `${url.slice(0, authorityStart)}${REDACTED}${url.slice(last)}` : `${url.slice(0, colon + 1)}${REDACTED}${url.slice(last)}`;
  }
  const delimiterAt = url.slice(authorityStart).search(/[/?#]/);
  const end = delimiterAt < 0 ? url.length : authorityStart + delimiterAt;
  const at = url.lastIndexOf('@', end - 1);
  if (at < authorityStart) return url;
  if (colon < 0 || colon > at) return url;
  return `${url.slice(0, colon + 1)}${REDACTED}${url.slice(at)}`;
}

/** `ssl_options=` in the query may hold a key passphrase or key material: its value is masked whole. */
function redactQuerySecrets(url: string): string {
  return url.replace(/([?&]ssl_options=)[^&#]*/gi, `$1${REDACTED}`);
}

/** Whether an '@' follows the first '/', '?' or '#' after the scheme: where the password ends is a guess. */
function isAmbiguousUserinfo(url: string, authorityStart: number): boolean {
  const delimiterAt = url.slice(authorityStart).search(/[/?#]/);
  return delimiterAt >= 0 && url.indexOf('@', authorityStart + delimiterAt) >= 0;
}

/**
 * Refuses a URL whose password would be cut at an unencoded '/', '?' or '#' (the engine refuses it
 * too, later): refused here, before anything stores it, with a message that names the problem and
 * never the URL.
 */
function refuseAmbiguousUrls(urls: readonly string[]): void {
  urls.forEach((url, index) => {
    const start = url.indexOf('://');
    if (start >= 0 && isAmbiguousUserinfo(url, start + 3)) {
      throw new InvalidArgumentError(
        `urls[${index}]`,
        'the URL has an "@" after the first "/", "?" or "#", so where the password ends is ambiguous: ' +
          'percent-encode "@", "#", "/" and "?" in the user name and password (%40, %23, %2F, %3F), and "@" in the virtual host and query',
      );
    }
  });
}

/** A sealed copy of `options` (the same object when it is sealed already). */
export function sealOptions<T extends AmqpConnectionOptions>(options: T): T {
  if (originals.has(options)) return options;
  const sealed: T = { ...options };
  if (options.urls !== undefined) {
    const urls = urlStrings(options.urls);
    refuseAmbiguousUrls(urls);
    sealed.urls = urls.map(redactUrl);
  }
  const tls = options.connectionOptions?.sslOptions as Record<string, unknown> | undefined;
  if (tls !== undefined && SECRET_TLS_KEYS.some((key) => tls[key] !== undefined)) {
    const redacted: Record<string, unknown> = { ...tls };
    for (const key of SECRET_TLS_KEYS) if (redacted[key] !== undefined) redacted[key] = '[redacted]';
    sealed.connectionOptions = { ...options.connectionOptions, sslOptions: redacted };
  }
  originals.set(sealed, options);
  return sealed;
}

/**
 * The options to connect with: the original behind a sealed copy, or `options` itself when it was
 * never sealed. A copy of a sealed object (spread, say) has lost its original: refused by name
 * rather than sent to the broker with '***' as the password.
 */
export function revealOptions<T extends AmqpConnectionOptions>(options: T): T {
  const original = originals.get(options);
  if (original !== undefined) return original as T;
  if (options.urls?.some((url) => typeof url === 'string' && url.includes(`:${REDACTED}@`)) === true) {
    throw new InvalidArgumentError(
      'urls',
      'a URL with a redacted password was given: pass the original options (a copy of sealed options has no password)',
    );
  }
  return options;
}
