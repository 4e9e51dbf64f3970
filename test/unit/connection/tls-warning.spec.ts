/** TLS verification switched off in code works, and warns once per connection (never with the password). */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { TLS_VERIFICATION_OFF_WARNING } from '../../../lib/protocol/connection/index.js';
import { ConnectionLostError } from '../../../lib/protocol/errors.js';
import { ConnectionParameters, PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';

const SECRET = 'tls-warn-sekrit';

describe('sslOptions.rejectUnauthorized: false', () => {
  // Jest gives each test file its own `process` object, which never hears the real one's 'warning'
  // events: record the calls instead, as Node would turn them into warnings.
  const warnings: Error[] = [];
  let spy: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    warnings.length = 0;
    spy = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string, options: { type: string; code: string }) => {
      const warning = new Error(message);
      warning.name = options.type;
      Object.assign(warning, { code: options.code });
      warnings.push(warning);
    }) as typeof process.emitWarning);
  });
  afterEach(() => {
    spy.mockRestore();
  });

  function connect(rejectUnauthorized: boolean, attempts: number) {
    const clock = new FakeClock();
    const rec = transportRecorder();
    const parameters = new ConnectionParameters({
      host: 'rabbit.example',
      credentials: new PlainCredentials('app', SECRET),
      sslOptions: { rejectUnauthorized },
      connectionAttempts: attempts,
      retryDelay: 1,
    });
    const connection = new Connection(parameters, { onOpenError: () => undefined }, { clock, transport: rec.factory });
    return { clock, rec, connection };
  }

  it('warns once per connection, however many attempts, naming the address and not the password', async () => {
    const { clock, rec } = connect(false, 3);
    await flush();
    rec.transports[0]!.lose(new ConnectionLostError('refused'));
    clock.advance(1000);
    rec.transports[1]!.lose(new ConnectionLostError('refused'));
    clock.advance(1000);
    expect(rec.transports).toHaveLength(3);
    await new Promise((resolve) => setImmediate(resolve));
    const ours = warnings.filter((w) => (w as { code?: string }).code === TLS_VERIFICATION_OFF_WARNING);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.name).toBe('SecurityWarning');
    expect(ours[0]!.message).toContain('amqps://app@rabbit.example:5671/');
    expect(ours[0]!.message).toContain('rejectUnauthorized');
    expect(ours[0]!.message).not.toContain(SECRET);
    expect(rec.transports[0]!.parameters.sslOptions?.rejectUnauthorized).toBe(false);
  });

  it('a second connection warns again; a verifying one never does', async () => {
    connect(false, 1);
    connect(false, 1);
    connect(true, 1);
    await flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => (w as { code?: string }).code === TLS_VERIFICATION_OFF_WARNING)).toHaveLength(2);
  });
});
