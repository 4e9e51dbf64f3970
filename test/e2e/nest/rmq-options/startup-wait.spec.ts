/**
 * Start-up that waits for the broker, as Transport.RMQ does: the app starts while nothing listens on
 * the broker's address (a proxy in front of the shared broker that starts accepting 10 s later, as a
 * broker container that starts after the app), then connects and consumes. Each failed attempt is
 * logged with where it went, never with the password.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Controller, type LoggerService } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { rabbitmqctl } from '../../../support/broker.js';
import { TcpProxy } from '../../../support/tcp-proxy.js';
import { waitFor } from '../../../support/wait-for.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { cleanup, publishEvent, rmqName } from './support.js';

/** One of this area's private ports. */
const PROXY_PORT = 5710;
const DELAY_MS = 10_000;
const user = rmqName('startup-user');
const password = `pw-${randomBytes(8).toString('hex')}`;
const queue = rmqName('startup-q');
const seen: unknown[] = [];
const lines: string[] = [];

@Controller()
class StartupController {
  @EventPattern<string>('startup.ping')
  ping(@Payload() data: unknown): void {
    seen.push(data);
  }
}

const capture: LoggerService = {
  log: (message: unknown) => lines.push(`LOG ${String(message)}`),
  warn: (message: unknown) => lines.push(`WARN ${String(message)}`),
  error: (message: unknown) => lines.push(`ERROR ${String(message)}`),
  debug: () => undefined,
  verbose: () => undefined,
};

beforeAll(async () => {
  await rabbitmqctl(['add_user', user, password]);
  await rabbitmqctl(['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
});

afterAll(async () => {
  await cleanup([queue], []);
  await rabbitmqctl(['delete_user', user]).catch(() => undefined);
});

describe('ServerAMQP start-up against a broker that starts 10 s after the app', () => {
  it('retries with backoff, connects once the broker accepts, consumes; the log shows the attempts without the password', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [StartupController] }).compile();
    const app = moduleRef.createNestMicroservice({
      strategy: new ServerAMQP({ urls: [`amqp://${user}:${password}@127.0.0.1:${PROXY_PORT}`], queue, queueOptions: { durable: false } }),
      logger: capture,
    });
    let proxy: TcpProxy | undefined;
    const started = Date.now();
    const opening = setTimeout(() => {
      void TcpProxy.start({ listenPort: PROXY_PORT }).then((p) => (proxy = p));
    }, DELAY_MS);
    try {
      await app.listen();
      const listenedAfter = Date.now() - started;
      expect(listenedAfter).toBeGreaterThanOrEqual(DELAY_MS);
      expect(listenedAfter).toBeLessThan(DELAY_MS + 8_000);
      await publishEvent('', queue, 'startup.ping', { n: 1 });
      await waitFor(() => seen.length === 1, 'the event to be consumed');
      expect(seen).toEqual([{ n: 1 }]);
      const attempts = lines.filter((line) => line.includes('connection attempt'));
      // ~0.5 s, 1 s, 2 s, 4 s, then 5 s apart over 10 s: several attempts, each logged.
      expect(attempts.length).toBeGreaterThanOrEqual(3);
      expect(attempts[0]).toMatch(new RegExp(`^WARN connection attempt 1 to amqp://${user}@127\\.0\\.0\\.1:${PROXY_PORT}/%2F failed: .*ECONNREFUSED.*; next attempt in \\d+ ms$`));
      expect(lines.some((line) => /connected to .* at attempt \d+, after \d+ ms/.test(line))).toBe(true);
      expect(lines.join('\n')).not.toContain(password);
      process.stdout.write(`startup-wait: listen() after ${listenedAfter} ms, ${attempts.length} failed attempts logged:\n${attempts.join('\n')}\n`);
    } finally {
      clearTimeout(opening);
      await app.close();
      await proxy?.close();
    }
  }, 40_000);
});
