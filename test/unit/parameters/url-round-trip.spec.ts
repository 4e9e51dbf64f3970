import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ParameterError } from '../../../lib/protocol/errors.js';
import { PlainCredentials, URLParameters } from '../../../lib/protocol/parameters/index.js';

/** Any string a user could have as user, password or vhost (no NUL: SASL PLAIN cannot carry it). */
const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0'));
const vhost = text.filter((s) => Buffer.byteLength(s) <= 255);
const host = fc.oneof(
  fc.domain().map((d) => d.toLowerCase()),
  fc.ipV4(),
  fc.ipV6().map((h) => ({ bracketed: `[${h}]`, host: h })),
);
const query = fc.record(
  {
    heartbeat: fc.integer({ min: 0, max: 65535 }),
    channel_max: fc.integer({ min: 1, max: 65535 }),
    frame_max: fc.integer({ min: 4096, max: 2 ** 31 - 1 }),
    connection_attempts: fc.integer({ min: 1, max: 1000 }),
    retry_delay: fc.double({ min: 0, max: 1e6, noNaN: true }),
    socket_timeout: fc.double({ min: 0.001, max: 1e6, noNaN: true }),
    blocked_connection_timeout: fc.double({ min: 0, max: 1e6, noNaN: true }),
    locale: fc.constantFrom('en_US', 'de_DE', 'fr_FR'),
    connection_name: text.filter((s) => s.length > 0),
    backpressure_detection: fc.boolean(),
  },
  { requiredKeys: [] },
);
const CAMEL: Record<string, string> = {
  heartbeat: 'heartbeat',
  channel_max: 'channelMax',
  frame_max: 'frameMax',
  connection_attempts: 'connectionAttempts',
  retry_delay: 'retryDelay',
  socket_timeout: 'socketTimeout',
  blocked_connection_timeout: 'blockedConnectionTimeout',
  locale: 'locale',
  connection_name: 'connectionName',
  backpressure_detection: 'backpressureDetection',
};

describe('URL round trips (property-based)', () => {
  it('every field written into a URL comes back exactly', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.record({ user: text, password: text }), { nil: undefined }),
        host,
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        vhost,
        query,
        (secure, login, h, port, vh, q) => {
          const hostText = typeof h === 'string' ? h : h.bracketed;
          const hostValue = typeof h === 'string' ? h : h.host;
          const auth =
            login === undefined
              ? ''
              : `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@`;
          const queryText = Object.entries(q)
            .map(
              ([k, v]) => `${k}=${encodeURIComponent(typeof v === 'boolean' ? (v ? 't' : 'f') : String(v))}`,
            )
            .join('&');
          const url = `${secure ? 'amqps' : 'amqp'}://${auth}${hostText}${port === undefined ? '' : `:${port}`}/${encodeURIComponent(vh)}${queryText === '' ? '' : `?${queryText}`}`;
          const p = new URLParameters(url);
          expect(p.ssl).toBe(secure);
          expect(p.host).toBe(hostValue);
          expect(p.port).toBe(port ?? (secure ? 5671 : 5672));
          // pika: an empty path means the default vhost '/'
          expect(p.virtualHost).toBe(vh === '' ? '/' : vh);
          const creds = p.credentials as PlainCredentials;
          expect(creds.username).toBe(login?.user ?? 'guest');
          expect(creds.responseFor(['PLAIN'])).toEqual(
            Buffer.from(`\0${login?.user ?? 'guest'}\0${login?.password ?? 'guest'}`),
          );
          for (const [k, v] of Object.entries(q)) {
            expect((p as unknown as Record<string, unknown>)[CAMEL[k] as string]).toBe(v);
          }
          // displayUrl parses back to the same place (the password is not in it)
          const again = new URLParameters(p.displayUrl);
          expect([again.host, again.port, again.virtualHost, again.ssl]).toEqual([
            p.host,
            p.port,
            p.virtualHost,
            p.ssl,
          ]);
          expect((again.credentials as PlainCredentials).username).toBe(creds.username);
          expect(p.displayUrl.includes(':' + encodeURIComponent(login?.password ?? 'guest') + '@')).toBe(
            false,
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('any string either parses or is a ParameterError that does not contain the password', () => {
    const password = 'Zq9-unique-pw';
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        (a, b, c) => {
          const url = `amqp://${a}user:${password}${b}@${c}`;
          try {
            new URLParameters(url);
          } catch (error) {
            expect(error).toBeInstanceOf(ParameterError);
            expect(String(error)).not.toContain(password);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
