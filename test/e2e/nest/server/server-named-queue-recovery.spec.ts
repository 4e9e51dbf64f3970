/**
 * A @QueueConsumer on a server-named queue ('' : the broker picks the name) across a forced
 * disconnect: the recovery re-declares the queue under a new name, and getHealth() / the health
 * indicator must report the name the consumer reads now, not the dead one.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import type { AmqpStatus } from '../../../../lib/transport/core/amqp.events.js';
import { closeConnectionWhenListed } from '../../../support/broker.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const connectionName = uniqueName('named-conn');
const seen: unknown[] = [];

@Controller()
class ServerNamedController {
  @QueueConsumer('', { exclusive: true, autoDelete: true, durable: false })
  onMessage(@Payload() data: unknown): void {
    seen.push(data);
  }
}

let app: INestMicroservice;
let server: ServerAMQP;
let admin: Admin;
const statuses: AmqpStatus[] = [];

beforeAll(async () => {
  admin = await Admin.open();
  const moduleRef = await Test.createTestingModule({ controllers: [ServerNamedController] }).compile();
  server = new ServerAMQP({ urls: [AMQP_URL], connectionName, connectionKey: connectionName });
  server.status.subscribe((status) => statuses.push(status));
  app = moduleRef.createNestMicroservice({ strategy: server });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await admin?.close();
});

describe('a server-named queue across a recovery', () => {
  it('getHealth() and the health indicator name the queue the consumer reads after the recovery', async () => {
    const [before] = server.getHealth().queues;
    expect(before).toMatch(/^amq\.gen-/);
    await admin.publish('', before!, { n: 1 });
    await waitFor(() => seen.length === 1, 'the first delivery');

    expect(await closeConnectionWhenListed(connectionName, 'forced by the server-named queue test')).toBe(1);
    await waitFor(() => statuses.includes('reconnecting'), 'status reconnecting');
    await waitFor(() => statuses.filter((status) => status === 'connected').length === 2, 'the recovery', 30_000);
    await waitFor(() => server.getHealth().consumers === 1, 'the consumer to come back');

    const [after] = server.getHealth().queues;
    expect(after).toMatch(/^amq\.gen-/);
    expect(after).not.toBe(before);
    const indicated = await new AmqpHealthIndicator().isHealthy('amqp', { server });
    expect(indicated.amqp.queues).toEqual([after]);
    // The reported name is the live one: a message sent to it arrives.
    await admin.publish('', after!, { n: 2 });
    await waitFor(() => seen.length === 2, 'a delivery through the reported name');
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
