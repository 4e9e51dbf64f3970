/**
 * The health indicator during an outage (a TCP proxy drops the link and refuses new ones, the
 * shared broker untouched): the recovering AmqpModule connection is listed once, as the module's,
 * down with its status; up again, still once, after the recovery.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AmqpHealthIndicator, AmqpModule, AmqpPublisher } from '../../../../lib/index.js';
import { TcpProxy } from '../../../support/tcp-proxy.js';
import { uniqueName, waitFor } from '../client/support.js';

describe('AmqpHealthIndicator during an outage', () => {
  let app: INestApplication | undefined;
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
  });

  it('lists the recovering connection once, down, and once again when it is back', async () => {
    proxy = await TcpProxy.start();
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [proxy.url()], connectionKey: uniqueName('health-outage'), recovery: { initialDelayMs: 50, maxDelayMs: 200 } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const health = app.get(AmqpHealthIndicator);
    const publisher = app.get(AmqpPublisher);
    expect((await health.isHealthy('amqp')).amqp).toMatchObject({ status: 'up', connections: [{ kind: 'module', connected: true }] });

    proxy.refuseNew(true);
    proxy.dropAll();
    await waitFor(() => (publisher.getHealth().connection === 'reconnecting' ? true : undefined), 10_000);
    const during = (await health.isHealthy('amqp')).amqp as { status: string; connections: unknown[]; message: string };
    console.log(`health during the outage: ${JSON.stringify(during)}`);
    expect(during.status).toBe('down');
    expect(during.connections).toEqual([{ name: 'default', kind: 'module', connection: 'reconnecting', connected: false }]);

    proxy.refuseNew(false);
    await waitFor(() => (publisher.getHealth().connected ? true : undefined), 15_000);
    const after = (await health.isHealthy('amqp')).amqp as { status: string; connections: unknown[] };
    expect(after.status).toBe('up');
    expect(after.connections).toHaveLength(1);
  }, 40_000);
});
