import { describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { InvalidStateError, ParameterError } from '../../../lib/protocol/errors.js';
import { ExternalCredentials, PlainCredentials } from '../../../lib/protocol/parameters/index.js';

const SECRET = 'Pa55-w0rd-sekrit';

describe('PlainCredentials', () => {
  it.each([
    [['PLAIN'], true],
    [['AMQPLAIN', 'PLAIN'], true],
    ['PLAIN AMQPLAIN', true],
    [['AMQPLAIN'], false],
    [['EXTERNAL'], false],
    [[], false],
    [['plain'], false],
  ] as const)('offered %j -> response %s', (offered, expected) => {
    const response = new PlainCredentials('bob', SECRET).responseFor(offered);
    if (expected) expect(response).toEqual(Buffer.from(`\0bob\0${SECRET}`));
    else expect(response).toBeNull();
  });

  it('encodes the response as UTF-8', () => {
    const response = new PlainCredentials('józef', 'päss✓').responseFor(['PLAIN']);
    expect(response?.toString('utf8')).toBe('\0józef\0päss✓');
    expect(response?.length).toBe(1 + Buffer.byteLength('józef') + 1 + Buffer.byteLength('päss✓'));
  });

  it('keeps the password out of toString, inspect and JSON', () => {
    const c = new PlainCredentials('bob', SECRET);
    for (const text of [
      String(c),
      inspect(c),
      inspect(c, { showHidden: true, depth: 10 }),
      JSON.stringify(c),
      JSON.stringify({ c }),
    ]) {
      expect(text).not.toContain(SECRET);
      expect(text).toContain('bob');
    }
    expect(Object.values(c)).not.toContain(SECRET);
  });

  it('erases the password only when eraseOnConnect was asked for', () => {
    const kept = new PlainCredentials('bob', SECRET);
    kept.eraseCredentials();
    expect(kept.erased).toBe(false);
    expect(kept.responseFor(['PLAIN'])).toEqual(Buffer.from(`\0bob\0${SECRET}`));

    const erased = new PlainCredentials('bob', SECRET, { eraseOnConnect: true });
    expect(erased.responseFor(['PLAIN'])).not.toBeNull();
    erased.eraseCredentials();
    expect(erased.erased).toBe(true);
    expect(erased.username).toBe('bob');
    expect(() => erased.responseFor(['PLAIN'])).toThrow(InvalidStateError);
    expect(erased.responseFor(['EXTERNAL'])).toBeNull();
  });

  it.each([
    ['username', () => new PlainCredentials('a\0b', 'x')],
    ['password', () => new PlainCredentials('a', `x\0${SECRET}`)],
    ['username', () => new PlainCredentials(42 as unknown as string, 'x')],
    ['password', () => new PlainCredentials('a', undefined as unknown as string)],
    ['eraseOnConnect', () => new PlainCredentials('a', 'b', { eraseOnConnect: 'yes' as unknown as boolean })],
  ])('refuses a bad %s with a ParameterError naming it', (argument, make) => {
    try {
      make();
      throw new Error('expected a ParameterError');
    } catch (error) {
      expect(error).toBeInstanceOf(ParameterError);
      expect((error as ParameterError).argument).toBe(argument);
      expect(String(error)).not.toContain(SECRET);
    }
  });

  it('compares user and password', () => {
    expect(new PlainCredentials('a', 'b').equals(new PlainCredentials('a', 'b'))).toBe(true);
    expect(new PlainCredentials('a', 'b').equals(new PlainCredentials('a', 'c'))).toBe(false);
    expect(new PlainCredentials('a', 'b').equals(new ExternalCredentials())).toBe(false);
  });
});

describe('ExternalCredentials', () => {
  it('answers EXTERNAL with an empty response and nothing else', () => {
    const c = new ExternalCredentials();
    expect(c.mechanism).toBe('EXTERNAL');
    expect(c.responseFor(['PLAIN', 'EXTERNAL'])).toEqual(Buffer.alloc(0));
    expect(c.responseFor('AMQPLAIN EXTERNAL')).toEqual(Buffer.alloc(0));
    expect(c.responseFor(['PLAIN'])).toBeNull();
    c.eraseCredentials();
    expect(c.responseFor(['EXTERNAL'])).toEqual(Buffer.alloc(0));
    expect(String(c)).toBe('ExternalCredentials()');
  });
});
