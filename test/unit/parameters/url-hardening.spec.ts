/**
 * URL rules against mistakes and tampering: a user:password that cannot be told apart from the rest
 * of the URL is refused naming `userinfo` (quoting nothing), and TLS verification cannot be switched
 * off from a URL.
 */
import { describe, expect, it } from '@jest/globals';
import { URLParameters } from '../../../lib/protocol/parameters/index.js';
import { errorOf, renderings, SECRET } from './url-secrets.js';

describe('an ambiguous user:password is refused naming userinfo', () => {
  // the review's case: "#" then "@" in the password made "ss" the host
  const [head, tail] = [SECRET.slice(0, 4), SECRET.slice(4)];
  it.each([
    [`amqp://guest:${head}@${tail}#word@rabbit`, 'an "@" then a "#"'],
    [`amqp://guest:${head}#${tail}@rabbit`, 'a "#"'],
    [`amqp://guest:${head}@${tail}@rabbit`, 'two "@"'],
    [`amqp://guest:${head}/${tail}@rabbit/vh`, 'a "/"'],
    [`amqp://guest:${head}?${tail}@rabbit`, 'a "?"'],
    [`amqp://guest:${head} ${tail}@rabbit`, 'a space'],
    [`amqp://guest:${head}\n${tail}@rabbit`, 'a line break'],
  ])('%s (%s)', (url) => {
    const error = errorOf(() => new URLParameters(url));
    expect(error.argument).toBe('userinfo');
    expect(error.code).toBe('ERR_AMQP_INVALID_ARGUMENT');
    for (const text of renderings(error)) {
      expect(text).not.toContain(head);
      expect(text).not.toContain(tail);
    }
  });

  it('says how to write it instead', () => {
    expect(errorOf(() => new URLParameters('amqp://u:p@ss#w@rabbit')).message).toContain('%40');
  });

  it('the percent-encoded forms parse', () => {
    const p = new URLParameters('amqp://guest:p%40ss%23w%2Fo%3Frd@rabbit/vh%40x?connection_name=me%40host');
    expect(p).toMatchObject({ host: 'rabbit', virtualHost: 'vh@x', connectionName: 'me@host' });
  });
});

describe('TLS verification cannot be switched off from a URL', () => {
  it.each([
    "ssl_options={'rejectUnauthorized':False}",
    "ssl_options={'reject_unauthorized':False}",
    "ssl_options={'reject_unauthorized':0}",
    'ssl_options=%7B%22rejectUnauthorized%22%3A%20false%7D',
  ])('amqp://...?%s is refused naming ssl_options and the key', (query) => {
    for (const scheme of ['amqp', 'amqps']) {
      const error = errorOf(() => new URLParameters(`${scheme}://u:${SECRET}@rabbit/?${query}`));
      expect(error.argument).toMatch(/^ssl_options\.reject_?[uU]nauthorized$/);
      expect(error.message).toContain('ssl_options.');
      expect(error.message).toContain('cannot be switched off from a URL');
      for (const text of renderings(error)) expect(text).not.toContain(SECRET);
    }
  });

  it('rejectUnauthorized True (the default) is accepted', () => {
    expect(new URLParameters("amqps://rabbit?ssl_options={'rejectUnauthorized':True}").sslOptions).toEqual({
      rejectUnauthorized: true,
    });
  });

  it.each(['aNULL', 'HIGH:aNULL', 'eNULL', 'ADH-AES256-SHA:HIGH', 'NULL'])('ciphers %s from a URL is refused', (ciphers) => {
    const error = errorOf(() => new URLParameters(`amqps://rabbit?ssl_options={'ciphers':'${ciphers}'}`));
    expect(error.argument).toBe('ssl_options.ciphers');
  });

  it('a cipher list that excludes those suites is fine', () => {
    expect(new URLParameters("amqps://rabbit?ssl_options={'ciphers':'HIGH:!aNULL:!eNULL'}").sslOptions?.ciphers).toBe(
      'HIGH:!aNULL:!eNULL',
    );
  });
});
