/**
 * ClientAMQP under a memory alarm: blocked / unblocked events and status, and an emit made while
 * blocked settles once the broker confirms it. An alarm blocks every publisher on the broker, so this
 * runs in `npm run test:faults` (private node).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { lastValueFrom, toArray } from 'rxjs';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import type { AmqpStatus } from '../../../../lib/transport/connection/connection-host.js';
import { withMemoryAlarm } from '../../../support/broker.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from './support.js';

describe('ClientAMQP (memory alarm)', () => {
  const queue = uniqueName('client-blocked');
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
    await admin.channel.assertQueue(queue, { durable: false });
  });

  afterAll(async () => {
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  function newClient(): ClientAMQP {
    const name = uniqueName('client');
    return new ClientAMQP({
      urls: [AMQP_URL],
      queue,
      queueOptions: { durable: false },
      connectionKey: name,
      connectionName: name,
    });
  }

  it('reports blocked / unblocked during a memory alarm; an emit made while blocked settles once the broker confirms it', async () => {
    const client = newClient();
    const events: string[] = [];
    const statuses: AmqpStatus[] = [];
    client.on('blocked', (reason) => events.push(`blocked: ${reason}`));
    client.on('unblocked', () => events.push('unblocked'));
    client.status.subscribe((status) => statuses.push(status));
    let settled = false;
    let emitted: Promise<unknown> | undefined;
    try {
      await client.connect();
      await withMemoryAlarm(async () => {
        // RabbitMQ blocks (and notifies) a connection when it publishes during the alarm.
        emitted = lastValueFrom(client.emit('ping', { at: 'alarm' }).pipe(toArray())).then((value) => {
          settled = true;
          return value;
        });
        await waitFor(() => (events.some((event) => event.startsWith('blocked')) ? true : undefined), 10_000);
        expect(statuses[statuses.length - 1]).toBe('blocked');
        expect(settled).toBe(false);
      });
      await expect(emitted).resolves.toEqual([undefined]);
      await waitFor(() => (events.includes('unblocked') ? true : undefined), 10_000);
      expect(events).toEqual([expect.stringMatching(/^blocked: .*memory/i), 'unblocked']);
      expect(statuses[statuses.length - 1]).toBe('connected');
    } finally {
      await client.close();
    }
  });
});
