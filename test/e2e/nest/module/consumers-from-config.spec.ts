/**
 * Consumers configured at bootstrap: `@QueueConsumer({ config })` on a provider resolved from
 * `AmqpModule.forRootAsync` + ConfigService (two environments, two queue names, in one process), on a
 * controller resolved from ServerAMQP's `consumers`, and a missing entry failing start-up by name.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Controller, Inject, Injectable, type INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  AmqpConsumerRegistry,
  AmqpContext,
  AmqpModule,
  ConsumerConfigError,
  QueueConsumer,
  ServerAMQP,
  type AmqpModuleOptions,
} from '../../../../lib/index.js';
import { queueInfo } from '../../../support/broker.js';
import { queueCounts } from '../../../support/queue-probe.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

interface Seen {
  env: string;
  queue: string;
  payload: unknown;
}
const seen: Seen[] = [];

@Injectable()
class OrdersWorker {
  constructor(@Inject(ConfigService) private readonly config: ConfigService) {}

  // The queue and prefetch come from the environment; `durable: false` is a default the entry keeps.
  @QueueConsumer({ config: 'orders' }, { durable: false })
  onOrder(@Payload() payload: unknown, @Ctx() ctx: AmqpContext): void {
    seen.push({ env: this.config.getOrThrow<string>('env'), queue: ctx.getMessage().fields.routingKey, payload });
  }
}

/** An app of one environment: its ConfigService gives the queue name the consumer reads. */
async function startEnvironment(env: Record<string, unknown>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] }),
      AmqpModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService): AmqpModuleOptions => ({
          urls: [AMQP_URL],
          connectionKey: uniqueName('module-cfg'),
          consumers: config.get('consumers') ?? {},
          queues: config.get('queues') ?? [],
        }),
      }),
    ],
    providers: [OrdersWorker],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

describe('consumers from configuration (forRootAsync + ConfigService)', () => {
  const stagingQueue = uniqueName('module-cfg-staging');
  const productionQueue = uniqueName('module-cfg-production');
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
  });

  afterAll(async () => {
    await admin?.deleteQueues(stagingQueue, productionQueue);
    await admin?.close();
  });

  it('runs one provider consumer per environment on the queue each environment names', async () => {
    const [staging, production] = await Promise.all([
      startEnvironment({ env: 'staging', consumers: { orders: { queue: stagingQueue, prefetch: 3 } } }),
      startEnvironment({ env: 'production', consumers: { orders: { queue: productionQueue, prefetch: 7 } } }),
    ]);
    try {
      // Declared as the entry says (durable: false from the decorator's defaults), one consumer each.
      expect(await queueInfo(stagingQueue)).toMatchObject({ consumers: 1, durable: false });
      expect(await queueInfo(productionQueue)).toMatchObject({ consumers: 1, durable: false });
      expect(staging.get(AmqpConsumerRegistry).list().filter((c) => c.source === 'provider')).toEqual([
        expect.objectContaining({ name: 'OrdersWorker.onOrder', queue: stagingQueue, state: 'consuming', source: 'provider' }),
      ]);

      admin.channel.sendToQueue(stagingQueue, Buffer.from(JSON.stringify({ id: 's1' })), { contentType: 'application/json' });
      admin.channel.sendToQueue(productionQueue, Buffer.from(JSON.stringify({ id: 'p1' })), { contentType: 'application/json' });
      await waitFor(() => (seen.length >= 2 ? true : undefined), 10_000);
      expect(seen).toEqual(
        expect.arrayContaining([
          { env: 'staging', queue: stagingQueue, payload: { id: 's1' } },
          { env: 'production', queue: productionQueue, payload: { id: 'p1' } },
        ]),
      );
      expect(seen).toHaveLength(2);
    } finally {
      await Promise.all([staging.close(), production.close()]);
    }
    expect(await queueCounts(stagingQueue)).toMatchObject({ consumerCount: 0 });
  });

  it('fails start-up naming the missing entry and the consumer, before declaring anything', async () => {
    const moduleQueue = uniqueName('module-cfg-never');
    const error = await startEnvironment({
      env: 'qa',
      consumers: { payments: { queue: uniqueName('module-cfg-unused') } },
      queues: [{ name: moduleQueue, durable: false }],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConsumerConfigError);
    expect(error).toMatchObject({ code: 'ERR_AMQP_CONSUMER_CONFIG', configName: 'orders', consumer: 'OrdersWorker.onOrder' });
    expect((error as Error).message).toContain('consumers.orders');
    expect((error as Error).message).toContain('entries: payments');
    // Nothing was declared: the check ran before the publisher connected and declared the module's queue.
    expect(await queueCounts(moduleQueue)).toBeUndefined();
  });

  it('fails start-up naming the entry when its options are invalid', async () => {
    const error = await startEnvironment({ env: 'qa', consumers: { orders: { queue: uniqueName('module-cfg-bad'), prefetch: -1 } } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConsumerConfigError);
    expect((error as Error).message).toMatch(/consumers\.orders: prefetch: must be an integer/);
  });
});

describe('consumers from configuration on a controller (ServerAMQP `consumers`)', () => {
  const auditQueue = uniqueName('module-cfg-audit');
  const audited: unknown[] = [];

  @Controller()
  class AuditController {
    @QueueConsumer({ config: 'audit' })
    onAudit(@Payload() payload: unknown): void {
      audited.push(payload);
    }
  }

  async function listen(consumers: Record<string, { queue: string; durable?: boolean }>): Promise<{ app: INestApplication; error?: unknown }> {
    const moduleRef = await Test.createTestingModule({ controllers: [AuditController] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL], consumers }) }, { inheritAppConfig: true });
    try {
      await app.startAllMicroservices();
      return { app };
    } catch (error) {
      return { app, error };
    }
  }

  it('consumes the queue of the entry', async () => {
    const { app, error } = await listen({ audit: { queue: auditQueue, durable: false } });
    const admin = await openAdmin();
    try {
      expect(error).toBeUndefined();
      admin.channel.sendToQueue(auditQueue, Buffer.from(JSON.stringify({ who: 'a' })), { contentType: 'application/json' });
      await waitFor(() => (audited.length === 1 ? true : undefined), 10_000);
      expect(audited).toEqual([{ who: 'a' }]);
    } finally {
      await app.close();
      await admin.deleteQueues(auditQueue);
      await admin.close();
    }
  });

  it('fails listen naming the missing entry', async () => {
    const { app, error } = await listen({});
    await app.close();
    expect(error).toBeInstanceOf(ConsumerConfigError);
    expect((error as Error).message).toContain('consumers.audit');
    expect((error as Error).message).toContain('ServerAMQP `consumers`');
    expect((error as Error).message).toContain('AuditController.onAudit');
  });
});
