/**
 * Two named AmqpModule connections in one app, to two vhosts of the broker (created for this test and
 * deleted after it), beside the unnamed one: each publisher reaches its own vhost, a provider consumer
 * runs on the connection it names with that connection's `consumers` entry, a publisher serializer
 * shapes its bodies, and the health indicator lists every connection.
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import {
  AmqpHealthIndicator,
  AmqpModule,
  ClientAMQP,
  AmqpPublisher,
  InjectAmqpPublisher,
  QueueConsumer,
  getAmqpPublisherToken,
  type AmqpPublisherSerializer,
} from '../../../../lib/index.js';
import { queueInfo, rabbitmqctl } from '../../../support/broker.js';
import { queueCounts } from '../../../support/queue-probe.js';
import { AMQP_URL, uniqueName, waitFor } from '../client/support.js';

// vhosts of this run's own: another run of the suite on the same broker must not reset them under it
const VHOST_A = uniqueName('module-a');
const VHOST_B = uniqueName('module-b');
const inbox = 'module.inbox';
const work = 'module.work';
const defaultQueue = uniqueName('module-named-default');
const worked: unknown[] = [];

/** Bodies as `text/plain`: the publisher's own serializer instead of JSON. */
const textSerializer: AmqpPublisherSerializer = {
  serialize: (payload) => ({ body: Buffer.from(`text:${String(payload)}`), contentType: 'text/plain' }),
};

@Injectable()
class Messenger {
  constructor(
    @InjectAmqpPublisher('a') readonly a: AmqpPublisher,
    @InjectAmqpPublisher('b') readonly b: AmqpPublisher,
    @InjectAmqpPublisher() readonly main: AmqpPublisher,
  ) {}
}

@Injectable()
class WorkOnB {
  @QueueConsumer({ config: 'work' }, { connection: 'b' })
  onWork(@Payload() payload: unknown): void {
    worked.push(payload);
  }
}

async function addVhost(vhost: string): Promise<void> {
  await rabbitmqctl(['add_vhost', vhost]);
  await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
}

/** AMQP_URL with another vhost (AMQP_URL may name one already: the suite's own one). */
function urlIn(vhost: string): string {
  const url = new URL(AMQP_URL);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.href;
}

async function takeOne(vhost: string, queue: string): Promise<amqplib.GetMessage> {
  const connection = await amqplib.connect(urlIn(vhost));
  try {
    const channel = await connection.createChannel();
    const message = await channel.get(queue, { noAck: true });
    if (message === false) throw new Error(`no message in ${vhost}/${queue}`);
    return message;
  } finally {
    await connection.close();
  }
}

describe('named AmqpModule connections', () => {
  let app: INestApplication;

  beforeAll(async () => {
    await Promise.all([addVhost(VHOST_A), addVhost(VHOST_B)]);
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: uniqueName('module-named'), queues: [{ name: defaultQueue, durable: false }] }),
        AmqpModule.forRoot({ name: 'a', urls: [urlIn(VHOST_A)], queues: [{ name: inbox, durable: false }] }),
        AmqpModule.forRootAsync({
          name: 'b',
          useFactory: () => ({
            urls: [urlIn(VHOST_B)],
            queues: [{ name: inbox, durable: false }],
            serializer: textSerializer,
            consumers: { work: { queue: work, durable: false } },
          }),
        }),
      ],
      providers: [Messenger, WorkOnB],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([VHOST_A, VHOST_B].map((vhost) => rabbitmqctl(['delete_vhost', vhost]).catch(() => undefined)));
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(defaultQueue);
    await connection.close();
  });

  it('injects one publisher per name, each on its own connection', () => {
    const messenger = app.get(Messenger);
    expect(messenger.a).toBeInstanceOf(AmqpPublisher);
    expect(messenger.main).toBe(app.get(AmqpPublisher));
    expect(app.get(getAmqpPublisherToken('b'))).toBe(messenger.b);
    const connections = new Set([messenger.a.connection, messenger.b.connection, messenger.main.connection]);
    expect(connections.size).toBe(3);
  });

  it('each publisher reaches its own vhost', async () => {
    const messenger = app.get(Messenger);
    await messenger.a.sendToQueue(inbox, { to: 'a' });
    await messenger.b.sendToQueue(inbox, 'to b');
    expect(await queueInfo(inbox, VHOST_A)).toMatchObject({ messages: 1 });
    expect(await queueInfo(inbox, VHOST_B)).toMatchObject({ messages: 1 });
    const fromA = await takeOne(VHOST_A, inbox);
    expect(JSON.parse(fromA.content.toString())).toEqual({ to: 'a' });
    const fromB = await takeOne(VHOST_B, inbox);
    // b's serializer made the body.
    expect(fromB.content.toString()).toBe('text:to b');
    expect(fromB.properties.contentType).toBe('text/plain');
  });

  it('runs a provider consumer on the connection it names, with that connection\'s consumers entry', async () => {
    expect(await queueCounts(work, VHOST_B)).toMatchObject({ consumerCount: 1 });
    expect(await queueCounts(work, VHOST_A)).toBeUndefined();
    await app.get(Messenger).b.sendToQueue(work, 'job');
    await waitFor(() => (worked.length === 1 ? true : undefined));
    expect(worked).toEqual(['text:job']);
  });

  it('the health indicator lists every connection, up', async () => {
    const health = await app.get(AmqpHealthIndicator).isHealthy('amqp');
    expect(health.amqp).toMatchObject({ status: 'up', consumers: 1, expectedConsumers: 1 });
    expect(health.amqp.connections?.map((c) => `${c.name}:${c.connection}`).sort()).toEqual(['a:connected', 'b:connected', 'default:connected']);
    // Names only: no URL (and so no password) in what a health endpoint shows.
    expect(JSON.stringify(health)).not.toContain('guest');
  });

  it('the health indicator also lists a ClientAMQP connection of the app', async () => {
    const client = new ClientAMQP({ urls: [AMQP_URL], connectionKey: 'module-named-client' });
    await client.connect();
    try {
      const health = await app.get(AmqpHealthIndicator).isHealthy('amqp');
      expect(health.amqp.status).toBe('up');
      expect(health.amqp.connections).toContainEqual({ name: 'module-named-client', kind: 'other', connection: 'connected', connected: true });
    } finally {
      await client.close();
    }
    const after = await app.get(AmqpHealthIndicator).isHealthy('amqp');
    expect(after.amqp.connections?.map((c) => c.name)).not.toContain('module-named-client');
  });
});
