/**
 * Configured values quoted into an error or a log line: a value a user mistyped may be a URL with a
 * password in it (a config entry pointed at the wrong variable), so every quoted value has the
 * userinfo of any URL it holds masked, and TLS options in a URL query too.
 */
import { logText, MAX_LOG_VALUE } from './log-text.js';

// scheme://user:password@ — the password runs to the last '@' of the token, so an unencoded '@',
// '/', '?' or '#' inside it is masked as well.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@"'`]*):[^\s"'`]*@/gi;
const SSL_OPTIONS = /([?&]ssl_options=)[^&#\s"'`]*/gi;

/** `text` with the password of every URL in it, and every `ssl_options=` value, read as `***`. */
export function redactCredentials(text: string): string {
  if (!text.includes('://') && !/ssl_options=/i.test(text)) return text;
  return text.replace(URL_USERINFO, '$1:***@').replace(SSL_OPTIONS, '$1***');
}

/** A configured value as an error quotes it: credentials masked, control characters escaped, cut short. */
export function shownValue(value: unknown): string {
  return logText(redactCredentials(String(value)), MAX_LOG_VALUE);
}
