/**
 * AmqpConsumerRegistry against the real broker: list, pause (messages stay ready, no consumer on
 * the queue), resume, a pause that survives a forced reconnect of this app's own connection, a
 * consumer added at run time, and cancel.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import {
  AmqpConsumerRegistry,
  AmqpModule,
  AmqpPublisher,
  QueueConsumer,
  UnknownConsumerError,
  type AmqpContext,
} from '../../../../lib/index.js';
import { closeConnection, waitForConnection } from '../../../support/broker.js';
import { queueCounts } from '../../../support/queue-probe.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

const jobs = uniqueName('module-registry-jobs');
const extra = uniqueName('module-registry-extra');
const connectionName = uniqueName('module-registry-conn');
const received: number[] = [];

@Injectable()
class JobsWorker {
  @QueueConsumer(jobs, { durable: false })
  onJob(@Payload() job: { n: number }): void {
    received.push(job.n);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AmqpConsumerRegistry', () => {
  let admin: Admin;
  let app: INestApplication;
  let registry: AmqpConsumerRegistry;
  let publisher: AmqpPublisher;

  beforeAll(async () => {
    admin = await openAdmin();
    const moduleRef = await Test.createTestingModule({
      imports: [AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: connectionName, connectionName })],
      providers: [JobsWorker],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    registry = app.get(AmqpConsumerRegistry);
    publisher = app.get(AmqpPublisher);
  });

  afterAll(async () => {
    await app?.close();
    await admin?.deleteQueues(jobs, extra);
    await admin?.close();
  });

  const sendJobs = async (...numbers: number[]): Promise<void> => {
    for (const n of numbers) await publisher.sendToQueue(jobs, { n });
  };

  it('lists the consumer with its queue, tag, state and in-flight count', async () => {
    await sendJobs(1);
    await waitFor(() => (received.length === 1 ? true : undefined));
    // The handler returned; the ack follows it.
    await waitFor(() => (registry.get('JobsWorker.onJob').inFlight === 0 ? true : undefined));
    expect(registry.list()).toEqual([
      {
        name: 'JobsWorker.onJob',
        source: 'provider',
        queue: jobs,
        consumerTag: expect.any(String),
        state: 'consuming',
        inFlight: 0,
        connection: 'default',
        healingAttempt: 0,
        cause: undefined,
      },
    ]);
    expect(() => registry.get('Nope.nothing')).toThrow(UnknownConsumerError);
  });

  it('pause: nothing is delivered and the messages stay ready in the queue; resume delivers them', async () => {
    await registry.pause('JobsWorker.onJob');
    expect(registry.get('JobsWorker.onJob')).toMatchObject({ state: 'paused', consumerTag: undefined });
    await sendJobs(2, 3, 4);
    await sleep(500);
    expect(received).toEqual([1]);
    expect(await queueCounts(jobs)).toMatchObject({ messageCount: 3, consumerCount: 0 });

    await registry.resume('JobsWorker.onJob');
    await waitFor(() => (received.length === 4 ? true : undefined));
    expect(received).toEqual([1, 2, 3, 4]);
    expect(registry.get('JobsWorker.onJob').state).toBe('consuming');
    expect(await queueCounts(jobs)).toMatchObject({ messageCount: 0, consumerCount: 1 });
  });

  it('a paused consumer stays paused across a forced reconnect, and resumes on the recovered channel', async () => {
    await registry.pause('JobsWorker.onJob');
    const before = await waitForConnection(connectionName);
    expect(await closeConnection(connectionName, 'module registry test: forced reconnect')).toBe(1);
    // Recovered: a new broker connection under the same name, and the publisher connected again.
    const started = Date.now();
    await waitFor(() => (publisher.getHealth().connection === 'reconnecting' ? true : undefined), 10_000);
    await waitFor(() => (publisher.getHealth().connected ? true : undefined), 20_000);
    const recoveredAfter = Date.now() - started;
    expect((await waitForConnection(connectionName)).pid).not.toBe(before.pid);
    console.log(`module registry: connection recovered ${recoveredAfter} ms after the forced close`);
    await sendJobs(5, 6);
    await sleep(500);
    expect(received).toEqual([1, 2, 3, 4]);
    expect(registry.get('JobsWorker.onJob').state).toBe('paused');
    expect(await queueCounts(jobs)).toMatchObject({ messageCount: 2, consumerCount: 0 });

    await registry.resume('JobsWorker.onJob');
    await waitFor(() => (received.length === 6 ? true : undefined), 10_000);
    expect(received).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await queueCounts(jobs)).toMatchObject({ messageCount: 0, consumerCount: 1 });
  });

  it('adds a consumer at run time with the decorator options, then cancels it', async () => {
    const got: Array<{ payload: unknown; routingKey: string }> = [];
    const info = await registry.add({
      name: 'extra',
      queue: extra,
      options: { durable: false, prefetch: 5 },
      handler: (payload: unknown, ctx: AmqpContext) => {
        got.push({ payload, routingKey: ctx.getMessage().fields.routingKey });
      },
    });
    expect(info).toMatchObject({ name: 'extra', source: 'runtime', queue: extra, state: 'consuming', connection: 'default' });
    await publisher.sendToQueue(extra, { hello: 'runtime' });
    await waitFor(() => (got.length === 1 ? true : undefined));
    expect(got).toEqual([{ payload: { hello: 'runtime' }, routingKey: extra }]);
    expect(registry.list().map((consumer) => consumer.name)).toEqual(['JobsWorker.onJob', 'extra']);
    await expect(registry.add({ name: 'extra', queue: extra, handler: () => undefined })).rejects.toThrow(/already exists/);

    await registry.cancel('extra');
    expect(registry.list().map((consumer) => consumer.name)).toEqual(['JobsWorker.onJob']);
    expect(await queueCounts(extra)).toMatchObject({ consumerCount: 0 });
  });
});
