/**
 * ServerAMQP emits blocked / unblocked and reports the blocked status while the broker blocks its
 * connection. A memory alarm blocks every publisher on the broker: `npm run test:faults`.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import type { AmqpStatus } from '../../../../lib/transport/core/amqp.events.js';
import type { AmqpConnection } from '../../../../lib/transport/connection/connection-host.js';
import { withMemoryAlarm } from '../../../support/broker.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const rpcQueue = uniqueName('blocked-rpc');

@Controller()
class WorkController {
  @EventPattern<string>('noted')
  noted(): void {}
}

let server: ServerAMQP;
let admin: Admin;
let close: () => Promise<void>;
const statuses: AmqpStatus[] = [];
const events: string[] = [];

beforeAll(async () => {
  admin = await Admin.open();
  const moduleRef = await Test.createTestingModule({ controllers: [WorkController] }).compile();
  server = new ServerAMQP({ urls: [AMQP_URL], queue: rpcQueue, queueOptions: { durable: false } });
  server.status.subscribe((status) => statuses.push(status));
  server.on('connected', () => events.push('connected'));
  server.on('blocked', (reason) => events.push(`blocked: ${reason}`));
  server.on('unblocked', () => events.push('unblocked'));
  const app = moduleRef.createNestMicroservice({ strategy: server, logger: false });
  await app.listen();
  close = () => app.close();
});

afterAll(async () => {
  await close?.();
  await admin?.cleanup([rpcQueue]);
  await admin?.close();
});

describe('ServerAMQP blocked status (memory alarm)', () => {
  it('emits blocked / unblocked and reports the blocked status while the broker blocks its connection', async () => {
    const channel = await server.unwrap<AmqpConnection>().channel();
    try {
      await withMemoryAlarm(async () => {
        // RabbitMQ blocks (and notifies) a connection when it publishes during a memory alarm.
        void channel.basicPublish('', rpcQueue, JSON.stringify({ pattern: 'noted', data: 1 })).catch(() => undefined);
        await waitFor(() => events.some((event) => event.startsWith('blocked')), 'the blocked event');
        expect(statuses[statuses.length - 1]).toBe('blocked');
      });
      await waitFor(() => events.includes('unblocked'), 'the unblocked event');
      expect(events).toEqual(['connected', expect.stringMatching(/^blocked: .*memory/i), 'unblocked']);
      expect(statuses[statuses.length - 1]).toBe('connected');
    } finally {
      await channel.close();
    }
  });
});
