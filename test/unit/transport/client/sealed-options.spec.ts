import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { InvalidArgumentError } from '../../../../lib/protocol/index.js';
import { redactUrl, revealOptions, sealOptions } from '../../../../lib/transport/connection/sealed-options.js';

describe('sealed options', () => {
  it.each([
    ['amqp://guest:Sup3rS3cret@localhost:5672/%2F', 'amqp://guest:***@localhost:5672/%2F'],
    ['amqp://u:pa/ss@h:1/v?heartbeat=5', 'amqp://u:***@h:1/v?heartbeat=5'],
    ['amqp://u:p@ss@h/v', 'amqp://u:***@h/v'],
    ['amqp://u:p@h?x=a:b@c', 'amqp://u:***@c'],
    ['amqp://guest:pa?Sup3rS3cretPW@host', 'amqp://guest:***@host'],
    ['amqp://guest:pa#Sup3rS3cretPW@host/v', 'amqp://guest:***@host/v'],
    ['amqp://guest:pa?x#Sup3rS3cretPW@host/v?heartbeat=1', 'amqp://guest:***@host/v?heartbeat=1'],
    ["amqps://u:p@h/?heartbeat=5&ssl_options=%7B'password'%3A'Sup3rS3cretPW'%7D", 'amqps://u:***@h/?heartbeat=5&ssl_options=***'],
    ['amqps://user@h/v', 'amqps://user@h/v'],
    ['amqp://localhost', 'amqp://localhost'],
    ['not a url u:p@h', '[***]'],
  ])('redacts %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('keeps the original out of the sealed copy, reveals it for connecting, seals once', () => {
    const original = {
      urls: ['amqp://u:Sup3rS3cret@h/v'],
      queue: 'q',
      connectionOptions: { heartbeat: 5, sslOptions: { key: 'PRIVATE', passphrase: 'Sup3rS3cret', servername: 'h' } },
    };
    const sealed = sealOptions(original);
    expect(inspect(sealed, { showHidden: true, depth: null })).not.toMatch(/Sup3rS3cret|PRIVATE/);
    expect(JSON.stringify(sealed)).not.toMatch(/Sup3rS3cret|PRIVATE/);
    expect(sealed).toMatchObject({ queue: 'q', urls: ['amqp://u:***@h/v'], connectionOptions: { heartbeat: 5 } });
    expect(sealed.connectionOptions.sslOptions).toEqual({ key: '[redacted]', passphrase: '[redacted]', servername: 'h' });
    expect(revealOptions(sealed)).toBe(original);
    expect(sealOptions(sealed)).toBe(sealed);
    expect(revealOptions(original)).toBe(original);
    expect(original.urls[0]).toBe('amqp://u:Sup3rS3cret@h/v');
  });

  it.each(['amqp://guest:pa?Sup3rS3cretPW@host', 'amqp://guest:pa#Sup3rS3cretPW@host', 'amqp://guest:pa/Sup3rS3cretPW@host'])(
    'refuses %s before storing it, naming the problem and not the password',
    (url) => {
      const error = (() => {
        try {
          sealOptions({ urls: ['amqp://localhost', url] });
        } catch (e) {
          return e as InvalidArgumentError;
        }
        throw new Error('not refused');
      })();
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.message).toMatch(/^urls\[1\]: .*ambiguous.*percent-encode/);
      for (const text of [error.message, error.stack ?? '', inspect(error, { showHidden: true, depth: null }), JSON.stringify(error)]) {
        expect(text).not.toContain('Sup3rS3cretPW');
      }
    },
  );

  it('refuses a copy of sealed options, which has lost its password', () => {
    const copy = { ...sealOptions({ urls: ['amqp://u:Sup3rS3cret@h/v'] }) };
    expect(() => revealOptions(copy)).toThrow(InvalidArgumentError);
    expect(() => revealOptions(copy)).toThrow(/^urls: /);
  });
});
