/**
 * The consumer registry over a controller's consumer (run by ServerAMQP, in an app without
 * AmqpModule): pause and resume it by `Class.method`, health stays up while it is paused on purpose,
 * and a registry `add` without an AmqpModule connection is refused by name.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AmqpConsumerRegistry, AmqpHealthIndicator, AmqpHealthModule, QueueConsumer, ServerAMQP } from '../../../../lib/index.js';
import { queueCounts } from '../../../support/queue-probe.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

const queue = uniqueName('module-ctl');
const got: number[] = [];

@Controller()
class TicksController {
  @QueueConsumer(queue, { durable: false })
  onTick(@Payload() tick: { n: number }): void {
    got.push(tick.n);
  }
}

// No AmqpModule: the health indicator comes from AmqpHealthModule, the registry is listed as a provider.
@Module({ imports: [AmqpHealthModule], controllers: [TicksController], providers: [AmqpConsumerRegistry] })
class TicksModule {}

describe('AmqpConsumerRegistry over a ServerAMQP consumer', () => {
  let admin: Admin;
  let app: INestApplication;

  beforeAll(async () => {
    admin = await openAdmin();
    const moduleRef = await Test.createTestingModule({ imports: [TicksModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.connectMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
    await app.startAllMicroservices();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  const send = (n: number): void => {
    admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { contentType: 'application/json' });
  };

  it('pauses and resumes it by name; health stays up while it is paused on purpose', async () => {
    const registry = app.get(AmqpConsumerRegistry);
    expect(registry.list()).toEqual([expect.objectContaining({ name: 'TicksController.onTick', source: 'controller', queue, state: 'consuming', connection: 'ServerAMQP' })]);
    await registry.pause('TicksController.onTick');
    send(1);
    // The message reaches the queue (the admin channel does not confirm) and stays there, ready.
    await waitFor(async () => ((await admin.channel.checkQueue(queue)).messageCount === 1 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(got).toEqual([]);
    expect(await queueCounts(queue)).toMatchObject({ messageCount: 1, consumerCount: 0 });
    const health = await app.get(AmqpHealthIndicator).isHealthy('amqp');
    expect(health.amqp).toMatchObject({ status: 'up', consumers: 0, expectedConsumers: 0 });

    await registry.resume('TicksController.onTick');
    await waitFor(() => (got.length === 1 ? true : undefined));
    expect(got).toEqual([1]);
    expect((await app.get(AmqpHealthIndicator).isHealthy('amqp')).amqp).toMatchObject({ status: 'up', consumers: 1, expectedConsumers: 1 });
  });

  it('refuses to add a consumer without an AmqpModule connection to run it', async () => {
    await expect(app.get(AmqpConsumerRegistry).add({ name: 'x', queue: uniqueName('module-ctl-never'), handler: () => undefined })).rejects.toThrow(
      /adding a consumer needs AmqpModule/,
    );
  });
});
