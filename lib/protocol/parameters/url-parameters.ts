/**
 * `amqp[s]://user:password@host:port/vhost?query`, read as pika's URLParameters does: user and
 * password percent-unquoted, the vhost one percent-encoded path segment (`%2F` is '/', an empty path
 * is '/'), IPv6 hosts in brackets, pika's query argument names. A URL part that is wrong is named
 * but never quoted: a mistyped URL can carry the password anywhere.
 */
import { isIPv6 } from 'node:net';
import { ParameterError } from '../errors.js';
import { ConnectionParameters } from './connection-parameters.js';
import { PlainCredentials } from './credentials.js';
import { LIMITS, type ConnectionParametersOptions } from './defaults.js';
import { QUERY_ARGUMENTS, shown } from './url-query-arguments.js';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Percent-decoding that names the part on failure instead of echoing it. */
function unquote(part: string, text: string, plusIsSpace = false): string {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    throw new ParameterError(part, 'malformed percent-encoding in the URL');
  }
}

function parseHostPort(hostPort: string): { host?: string; port?: number } {
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) throw new ParameterError('host', 'an IPv6 address in the URL is missing its closing "]"');
    host = hostPort.slice(1, end);
    if (!isIPv6(host))
      throw new ParameterError('host', 'the bracketed host in the URL is not an IPv6 address');
    const rest = hostPort.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':'))
      throw new ParameterError('host', 'unexpected characters after the IPv6 address in the URL');
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = hostPort.indexOf(':');
    host = unquote('host', colon < 0 ? hostPort : hostPort.slice(0, colon)).toLowerCase();
    portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
    if (portText?.includes(':'))
      throw new ParameterError(
        'host',
        'an IPv6 address in a URL must be written in brackets, e.g. amqp://[::1]:5672',
      );
  }
  const out: { host?: string; port?: number } = {};
  if (host !== '') out.host = host;
  if (portText !== undefined && portText !== '') {
    if (!/^\d{1,5}$/.test(portText))
      throw new ParameterError(
        'port',
        'the port in the URL is not a number (a "/", "?", "#" or "@" inside a password must be percent-encoded)',
      );
    const port = Number(portText);
    if (port < LIMITS.port.min || port > LIMITS.port.max)
      throw new ParameterError('port', `must be in ${LIMITS.port.min}..${LIMITS.port.max}, got ${port}`);
    out.port = port;
  }
  return out;
}

function parseQuery(query: string, secureScheme: boolean): ConnectionParametersOptions {
  const seen = new Set<string>();
  let options: ConnectionParametersOptions = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = unquote('query', eq < 0 ? pair : pair.slice(0, eq), true);
    const setter = Object.hasOwn(QUERY_ARGUMENTS, name) ? QUERY_ARGUMENTS[name] : undefined;
    if (setter === undefined) {
      const known = `known: ${Object.keys(QUERY_ARGUMENTS).join(', ')}`;
      if (shown(name) === JSON.stringify(name))
        throw new ParameterError(name, `unknown URL query argument (${known})`);
      throw new ParameterError('query', `an unknown, malformed URL query argument (${known})`);
    }
    if (seen.has(name)) throw new ParameterError(name, 'URL query argument given more than once');
    seen.add(name);
    if (eq < 0 || eq === pair.length - 1) throw new ParameterError(name, 'URL query argument has no value');
    options = { ...options, ...setter(unquote(name, pair.slice(eq + 1), true), { secureScheme }) };
  }
  return options;
}

const USERINFO_RULE =
  'percent-encode "@", "#", "/" and "?" in the user name and password (%40, %23, %2F, %3F), and "@" in the virtual host and query';

/**
 * Refuses a URL whose user:password cannot be told apart from the rest: a second "@" (an unencoded
 * "@" in the password), or an "@" after the first "/", "?" or "#" (one of those, unencoded in the
 * password, ended the authority early and turned a piece of the password into a host, a path or a
 * fragment: `amqp://guest:p@ss#word@host` would otherwise connect to "ss"). The error names the
 * part and quotes nothing: whatever is there may be a password.
 */
function checkUserinfoUnambiguous(rest: string, authority: string): void {
  const first = authority.indexOf('@');
  if (first >= 0 && authority.indexOf('@', first + 1) >= 0) {
    throw new ParameterError('userinfo', `the URL has more than one "@" before the host: ${USERINFO_RULE}`);
  }
  if (rest.indexOf('@', authority.length) >= 0) {
    throw new ParameterError(
      'userinfo',
      `the URL has an "@" after the first "/", "?" or "#", so where the password ends is ambiguous: ${USERINFO_RULE}`,
    );
  }
  for (let i = 0; i < rest.length; i++) {
    const code = rest.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) {
      const part = first >= 0 && i < first ? 'userinfo' : 'url';
      throw new ParameterError(part, 'the URL contains a space or a control character: percent-encode it');
    }
  }
}

/** Parses an AMQP URL into connection options. @throws ParameterError naming the part at fault */
export function parseAmqpUrl(url: string): ConnectionParametersOptions {
  if (typeof url !== 'string') throw new ParameterError('url', `must be a string, got ${typeof url}`);
  const scheme = SCHEME.exec(url);
  if (scheme === null) throw new ParameterError('url', 'must start with amqp:// or amqps://');
  const schemeName = (scheme[1] as string).toLowerCase();
  if (schemeName !== 'amqp' && schemeName !== 'amqps') {
    throw new ParameterError('scheme', `unsupported URL scheme "${schemeName}" (supported: amqp, amqps)`);
  }
  const secure = schemeName === 'amqps';
  const rest = url.slice(scheme[0].length);
  const fragmentAt = rest.indexOf('#');
  const beforeFragment = fragmentAt < 0 ? rest : rest.slice(0, fragmentAt); // pika ignores a fragment
  const queryAt = beforeFragment.indexOf('?');
  const beforeQuery = queryAt < 0 ? beforeFragment : beforeFragment.slice(0, queryAt);
  const query = queryAt < 0 ? '' : beforeFragment.slice(queryAt + 1);
  const pathAt = beforeQuery.indexOf('/');
  const authority = pathAt < 0 ? beforeQuery : beforeQuery.slice(0, pathAt);
  const path = pathAt < 0 ? '' : beforeQuery.slice(pathAt);

  // ssl is left unset for amqp:// so that sslOptions given later (with()) can still turn TLS on
  const options: ConnectionParametersOptions = secure ? { ssl: true } : {};
  checkUserinfoUnambiguous(rest, authority);
  const at = authority.indexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const username = unquote('username', colon < 0 ? userinfo : userinfo.slice(0, colon));
    const password = colon < 0 ? '' : unquote('password', userinfo.slice(colon + 1));
    options.credentials = new PlainCredentials(username, password);
  }
  Object.assign(options, parseHostPort(at >= 0 ? authority.slice(at + 1) : authority));

  if (path.length > 1) {
    const segment = path.slice(1);
    if (segment.includes('/'))
      throw new ParameterError(
        'virtualHost',
        'the URL path must be one segment: write "/" inside a virtual host name as %2F',
      );
    options.virtualHost = unquote('virtualHost', segment);
  }

  const fromQuery = parseQuery(query, secure);
  // as in pika, the port follows the scheme even when ssl_options turns TLS on for amqp://
  if (options.port === undefined && fromQuery.ssl === true && !secure) options.port = 5672;
  return { ...options, ...fromQuery };
}

/** Connection parameters read from an `amqp://` or `amqps://` URL (see {@link parseAmqpUrl}). */
export class URLParameters extends ConnectionParameters {
  constructor(url: string) {
    super(parseAmqpUrl(url));
  }
}
