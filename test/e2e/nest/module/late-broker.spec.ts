/**
 * A broker that starts after the app, as in containers, on every entry point that has no ServerAMQP:
 * the address refuses connections (nothing listens: a TCP proxy in front of the shared broker that
 * starts listening ~10 s later), then accepts. The shared broker itself is never stopped.
 *
 * - An AmqpModule-only app (golevelup's shape) waits for it as ServerAMQP does (same bounds, backoff
 *   and log lines), is up once it arrives, and its first publish is confirmed.
 * - With `startup: 'background'` the app is up at once: HTTP answers, health is down, a publish is
 *   held within the outage budget (and one past the budget refused with OutageBudgetError), then
 *   confirmed once the broker is there.
 * - ClientAMQP's connect() waits likewise.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Controller, Get, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import { OutageBudgetError } from '../../../../lib/protocol/errors.js';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { TcpProxy } from '../../../support/tcp-proxy.js';
import { waitFor } from '../../../support/wait-for.js';
import { brokerVhost } from '../../../support/broker-url.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
/** This suite's private ports (nothing listens there until the proxy starts). */
const PORTS = { module: 5711, background: 5712, client: 5713 };
/** AMQP_URL's vhost (the suite's own one) as a URL path segment. */
const VHOST = encodeURIComponent(brokerVhost());
const DELAY_MS = 10_000;
const run = `late-broker-${process.pid}-${Date.now().toString(36)}`;
const queues: string[] = [];

function queueName(what: string): string {
  const name = `${run}-${what}`;
  queues.push(name);
  return name;
}

function capture(): { lines: string[]; logger: LoggerService } {
  const lines: string[] = [];
  const push = (level: string) => (message: unknown) => lines.push(`${level} ${String(message)}`);
  return { lines, logger: { log: push('LOG'), warn: push('WARN'), error: push('ERROR'), debug: () => undefined, verbose: () => undefined } };
}

/** Starts the proxy on `port` after `ms`; the handle closes it (or cancels the start). */
function brokerArrivesAfter(port: number, ms: number): { arrived: Promise<TcpProxy>; close: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const arrived = new Promise<TcpProxy>((resolve, reject) => {
    timer = setTimeout(() => void TcpProxy.start({ listenPort: port }).then(resolve, reject), ms);
  });
  return {
    arrived,
    close: async () => {
      clearTimeout(timer);
      const proxy = await Promise.race([arrived, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 0))]);
      await proxy?.close();
    },
  };
}

async function messageCount(queue: string): Promise<number> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

afterAll(async () => {
  const connection = await amqplib.connect(AMQP_URL);
  for (const queue of queues) {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue).catch(() => undefined);
    await channel.close().catch(() => undefined);
  }
  await connection.close();
});

describe('an AmqpModule-only app started 10 s before the broker', () => {
  it('waits for it as ServerAMQP does, is up once it arrives, and its first publish is confirmed', async () => {
    const queue = queueName('module');
    const { lines, logger } = capture();
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [`amqp://guest:guest@127.0.0.1:${PORTS.module}/${VHOST}`], queues: [{ name: queue, durable: false }], logger })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const broker = brokerArrivesAfter(PORTS.module, DELAY_MS);
    const started = Date.now();
    try {
      await app.init();
      const upAfter = Date.now() - started;
      await app.get(AmqpPublisher).sendToQueue(queue, { first: true });
      const confirmedAfter = Date.now() - started;
      expect(upAfter).toBeGreaterThanOrEqual(DELAY_MS - 500);
      expect(upAfter).toBeLessThan(DELAY_MS + 8_000);
      expect(await messageCount(queue)).toBe(1);
      const attempts = lines.filter((line) => line.includes('connection attempt'));
      expect(attempts.length).toBeGreaterThanOrEqual(3);
      expect(attempts[0]).toMatch(new RegExp(`^WARN connection attempt 1 to amqp://guest@127\\.0\\.0\\.1:${PORTS.module}/${VHOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: .*ECONNREFUSED.*; next attempt in \\d+ ms$`));
      expect(lines.some((line) => /^LOG connected to .* at attempt \d+, after \d+ ms$/.test(line))).toBe(true);
      process.stdout.write(`late-broker (AmqpModule): up after ${upAfter} ms, first publish confirmed after ${confirmedAfter} ms, ${attempts.length} failed attempts logged\n`);
    } finally {
      await app.close();
      await broker.close();
    }
  }, 60_000);
});

@Controller()
class StatusController {
  constructor(private readonly health: AmqpHealthIndicator) {}

  @Get('status')
  async status(): Promise<unknown> {
    return this.health.isHealthy('amqp');
  }
}

describe("startup: 'background': the app starts without the broker", () => {
  it('HTTP answers while the broker is away, health is down, publishes are held within the outage budget, then confirmed', async () => {
    const queue = queueName('background');
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({
          urls: [`amqp://guest:guest@127.0.0.1:${PORTS.background}/${VHOST}`],
          startup: 'background',
          queues: [{ name: queue, durable: false }],
          // Two messages may wait for the connection; a third is refused at once.
          recovery: { outage: { maxMessages: 2, deadlineMs: 45_000 } },
        }),
      ],
      controllers: [StatusController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const broker = brokerArrivesAfter(PORTS.background, DELAY_MS);
    const started = Date.now();
    try {
      await app.listen(0, '127.0.0.1');
      const upAfter = Date.now() - started;
      expect(upAfter).toBeLessThan(DELAY_MS / 2);
      const url = `${await app.getUrl()}/status`;
      const away = (await (await fetch(url)).json()) as { amqp: { status: string; connections: Array<{ connection: string }> } };
      expect(away.amqp.status).toBe('down');
      expect(away.amqp.connections[0]?.connection).toBe('connecting');

      const publisher = app.get(AmqpPublisher);
      const held = [publisher.sendToQueue(queue, { n: 1 }), publisher.sendToQueue(queue, { n: 2 })];
      await expect(publisher.sendToQueue(queue, { n: 3 })).rejects.toBeInstanceOf(OutageBudgetError);
      await Promise.all(held);
      const confirmedAfter = Date.now() - started;
      expect(confirmedAfter).toBeGreaterThanOrEqual(DELAY_MS - 500);
      expect(await messageCount(queue)).toBe(2);
      await waitFor(async () => ((await (await fetch(url)).json()) as { amqp: { status: string } }).amqp.status === 'up', 'health up');
      process.stdout.write(`late-broker (background): HTTP up after ${upAfter} ms, held publishes confirmed after ${confirmedAfter} ms\n`);
    } finally {
      await app.close();
      await broker.close();
    }
  }, 60_000);
});

describe("ClientAMQP's connect() against a late broker", () => {
  it('waits for it, then sends', async () => {
    const queue = queueName('client');
    const client = new ClientAMQP({ urls: [`amqp://guest:guest@127.0.0.1:${PORTS.client}/${VHOST}`], queue, queueOptions: { durable: false } });
    const broker = brokerArrivesAfter(PORTS.client, 4_000);
    const started = Date.now();
    try {
      await client.connect();
      const connectedAfter = Date.now() - started;
      expect(connectedAfter).toBeGreaterThanOrEqual(3_500);
      await new Promise<void>((resolve, reject) => client.emit('late.event', { n: 1 }).subscribe({ complete: resolve, error: reject }));
      expect(await messageCount(queue)).toBe(1);
      process.stdout.write(`late-broker (ClientAMQP.connect): connected after ${connectedAfter} ms\n`);
    } finally {
      await client.close();
      await broker.close();
    }
  }, 60_000);
});
