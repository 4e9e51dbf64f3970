/**
 * The password never reaches util.inspect (showHidden, full depth), JSON or a log line of a Nest-layer
 * object: ServerAMQP, ClientAMQP, AmqpPublisher, the module's options provider (forRoot and
 * forRootAsync) and the shared AmqpConnectionHost, connected through a user of the test's own whose
 * password stands out; nor any log line or error of a start that fails (wrong password, no broker).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Logger, type LoggerService } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { inspect } from 'node:util';
import { AMQP_MODULE_OPTIONS, AmqpModule, AmqpPublisher, ClientAMQP, ServerAMQP } from '../../../../lib/transport/index.js';
import { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { brokerUrlAs } from '../../../support/broker-url.js';
import { uniqueName, withUser } from '../../recovery/broker-control.js';

const PASSWORD = 'Sup3rS3cret';
/** The password as util.inspect prints bytes of a Buffer, and in the encodings a leak could take. */
const LEAKS = [
  PASSWORD,
  Buffer.from(PASSWORD).toString('hex').replace(/(..)(?!$)/g, '$1 '),
  Buffer.from(PASSWORD).toString('base64').slice(0, 12),
  encodeURIComponent(PASSWORD),
];

const user = uniqueName('outage-secrets');
const url = brokerUrlAs(user, PASSWORD);
let dropUser: (() => Promise<void>) | undefined;

/** JSON of an object graph, cycles cut (JSON.stringify alone throws on the first one). */
function json(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null) {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return typeof v === 'bigint' ? v.toString() : v;
  });
}

function expectNoSecret(label: string, text: string): void {
  for (const leak of LEAKS) {
    if (text.includes(leak)) throw new Error(`${label} shows the password (as "${leak}")`);
  }
}

function expectSealed(label: string, value: unknown): void {
  const shown = inspect(value, { showHidden: true, depth: null, getters: true });
  expectNoSecret(`util.inspect of ${label}`, shown);
  expectNoSecret(`JSON of ${label}`, json(value));
  // The sealed options still say where they connect, password masked.
  expect(shown).toContain(`${user}:***@127.0.0.1`);
}

/** Every line written through Nest's Logger, console, stdout and stderr while `run` runs. */
async function captureLogs(run: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const keep = (...parts: unknown[]): void => {
    lines.push(parts.map((p) => (typeof p === 'string' ? p : inspect(p, { depth: null, showHidden: true }))).join(' '));
  };
  const logger: LoggerService = { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
  const saved = { log: console.log, error: console.error, warn: console.warn, out: process.stdout.write, err: process.stderr.write };
  Logger.overrideLogger(logger);
  console.log = keep;
  console.error = keep;
  console.warn = keep;
  process.stdout.write = ((chunk: unknown) => (keep(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (keep(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const outcome = await run().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome !== undefined) {
      keep(outcome);
      keep(outcome instanceof Error ? outcome.stack : String(outcome));
    }
  } finally {
    Logger.overrideLogger(new Logger());
    console.log = saved.log;
    console.error = saved.error;
    console.warn = saved.warn;
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
  return lines;
}

@Controller()
class PingController {
  @MessagePattern('ping')
  ping(): string {
    return 'pong';
  }
}

beforeAll(async () => {
  dropUser = await withUser(user, PASSWORD);
});

afterAll(async () => {
  await dropUser?.();
});

describe('secrets of Nest-layer objects, connected', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  it('ServerAMQP (listening), its connection host, ClientAMQP (connected) never show the password', async () => {
    const queue = uniqueName('outage.secrets.rpc');
    const server = new ServerAMQP({ urls: [url], queue, queueOptions: { durable: false, autoDelete: true } });
    const moduleRef = await Test.createTestingModule({ controllers: [PingController] }).compile();
    const app = moduleRef.createNestMicroservice({ strategy: server, logger: false });
    await app.listen();
    closers.push(() => app.close());
    const client = new ClientAMQP({ urls: [url], queue, noAssert: true });
    await client.connect();
    closers.push(() => client.close());
    await expect(new Promise((resolve, reject) => client.send('ping', {}).subscribe({ next: resolve, error: reject }))).resolves.toBe('pong');

    expectSealed('ServerAMQP', server);
    expectSealed('ClientAMQP', client);
    const host = await AmqpConnectionHost.acquire({ urls: [url] });
    closers.push(() => host.release());
    expectNoSecret('AmqpConnectionHost', inspect(host, { showHidden: true, depth: null }));
    expectNoSecret('JSON of AmqpConnectionHost', json(host));
    expectNoSecret('the registry key', AmqpConnectionHost.keyOf({ urls: [url] }));
    expectNoSecret('the engine connection', inspect(client.unwrap(), { showHidden: true, depth: null }));
  });

  it('AmqpPublisher and the options provider, forRoot and forRootAsync, never show the password', async () => {
    for (const imported of [
      AmqpModule.forRoot({ urls: [url] }),
      AmqpModule.forRootAsync({ useFactory: () => Promise.resolve({ urls: [url] }) }),
    ]) {
      const moduleRef = await Test.createTestingModule({ imports: [imported] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      closers.push(() => app.close());
      const publisher = app.get(AmqpPublisher);
      await publisher.sendToQueue('', 'x', { mandatory: false }).catch(() => undefined);
      expectSealed('AmqpPublisher', publisher);
      expectSealed('the module options provider', app.get(AMQP_MODULE_OPTIONS));
      expectNoSecret('the testing module', inspect(moduleRef, { showHidden: true, depth: 6 }));
    }
  });
});

describe('secrets in a start that fails', () => {
  it('a wrong password: no log line, error, stack or inspected error shows it', async () => {
    const wrong = brokerUrlAs(user, `${PASSWORD}-wrong`);
    const lines = await captureLogs(async () => {
      const moduleRef = await Test.createTestingModule({ controllers: [PingController] }).compile();
      const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [wrong], queue: 'x' }) });
      try {
        await app.listen();
      } finally {
        await app.close().catch(() => undefined);
      }
    });
    expect(lines.join('\n')).toMatch(/authentication refused|ACCESS_REFUSED/i);
    lines.forEach((line, i) => expectNoSecret(`log line ${i}`, line));
  });

  it('no broker there, and AmqpModule.forRoot with a wrong password: no log line or error shows it', async () => {
    const nowhere = `amqp://${user}:${PASSWORD}@127.0.0.1:5759/%2F`;
    const lines = await captureLogs(async () => {
      const client = new ClientAMQP({ urls: [nowhere], queue: 'x' });
      await client.connect().finally(() => client.close());
    });
    lines.push(
      ...(await captureLogs(async () => {
        const moduleRef = await Test.createTestingModule({
          imports: [AmqpModule.forRoot({ urls: [brokerUrlAs(user, `${PASSWORD}x`)] })],
        }).compile();
        const app = moduleRef.createNestApplication();
        await app.init().finally(() => app.close().catch(() => undefined));
      })),
    );
    expect(lines.join('\n')).toMatch(/ECONNREFUSED|refused/i);
    lines.forEach((line, i) => expectNoSecret(`log line ${i}`, line));
  });
});
