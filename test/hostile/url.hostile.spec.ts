/**
 * URLs refused before any connection: TLS verification switched off, an ambiguous user:password.
 * The fake broker on the URL's port sees no connection at all.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { Connection } from '../../lib/protocol/connection/connection.js';
import { InvalidArgumentError, ParameterError } from '../../lib/protocol/errors.js';
import { AmqpModule, ClientAMQP, ServerAMQP } from '../../lib/transport/index.js';
import { sleep, startFakeBroker, type FakeBroker } from '../support/fake-broker.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

async function refused(url: (port: number) => string): Promise<ParameterError> {
  broker = await startFakeBroker(async () => undefined);
  const error = (await Connection.connect(url(broker.port)).catch((e: unknown) => e)) as ParameterError;
  await sleep(50);
  expect(error).toBeInstanceOf(ParameterError);
  expect(broker.peers).toHaveLength(0);
  return error;
}

describe('hostile input: URLs refused before any connection', () => {
  it.each(["{'rejectUnauthorized': False}", "{'reject_unauthorized': False}"])('ssl_options=%s', async (dict) => {
    const error = await refused((port) => `amqp://guest:guest@127.0.0.1:${port}/?ssl_options=${encodeURIComponent(dict)}`);
    expect(error.argument).toMatch(/^ssl_options\./);
    expect(error.message).toContain('ssl_options.');
    console.log(`TLS URL: ${error.name} [${error.code}] ${error.message}`);
  });

  it('an unencoded "@" and "#" in the password', async () => {
    // the review's shape: amqp://guest:p@ss#word@host, which used to connect to "ss"
    const error = await refused((port) => `amqp://guest:Zq9@Wm4#Kv7@127.0.0.1:${port}/`);
    expect(error.argument).toBe('userinfo');
    for (const text of [error.message, error.stack ?? '', inspect(error, { showHidden: true, depth: 5 }), JSON.stringify(error)]) {
      for (const piece of ['Zq9', 'Wm4', 'Kv7']) expect(text).not.toContain(piece);
    }
    console.log(`ambiguous URL: ${error.name} [${error.code}] ${error.message}`);
  });
});

describe('hostile input: Nest-layer URLs refused before anything stores them', () => {
  it.each(['?', '#', '/'])('an unencoded "%s" in the password: refused at construction, nothing connects, nothing shows it', async (reserved) => {
    broker = await startFakeBroker(async () => undefined);
    const url = `amqp://guest:Zq9${reserved}Wm4Kv7@127.0.0.1:${broker.port}/`;
    for (const make of [
      () => new ServerAMQP({ urls: [url], queue: 'q' }),
      () => new ClientAMQP({ urls: [url], queue: 'q' }),
      () => AmqpModule.forRoot({ urls: [url] }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      const e = error as InvalidArgumentError;
      expect(e.message).toMatch(/^urls\[0\]: .*ambiguous/);
      for (const text of [e.message, e.stack ?? '', inspect(e, { showHidden: true, depth: 5 }), JSON.stringify(e)]) {
        for (const piece of ['Zq9', 'Wm4', 'Kv7']) expect(text).not.toContain(piece);
      }
    }
    await sleep(50);
    expect(broker.peers).toHaveLength(0);
  });
});
