/**
 * Nest's own ClientRMQ emitting into a queue served by a @QueueConsumer: with `unwrapNestEnvelope`
 * the handler gets the event's data (as under Nest's ServerRMQ); without it, the body as sent.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { ClientRMQ, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const unwrapped = uniqueName('envelope-unwrapped');
const raw = uniqueName('envelope-raw');
const seen: Record<string, unknown[]> = { unwrapped: [], raw: [] };

@Controller()
class EnvelopeController {
  @QueueConsumer(unwrapped, { durable: false, unwrapNestEnvelope: true })
  onUnwrapped(@Payload() data: unknown): void {
    seen['unwrapped']!.push(data);
  }

  @QueueConsumer(raw, { durable: false })
  onRaw(@Payload() data: unknown): void {
    seen['raw']!.push(data);
  }
}

let app: INestMicroservice;
let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  const moduleRef = await Test.createTestingModule({ controllers: [EnvelopeController] }).compile();
  app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([unwrapped, raw]);
  await admin?.close();
});

describe('a @QueueConsumer fed by Nest ClientRMQ.emit', () => {
  it('hands the event data with unwrapNestEnvelope, the whole envelope without', async () => {
    for (const [queue, key] of [
      [unwrapped, 'unwrapped'],
      [raw, 'raw'],
    ] as const) {
      const client = new ClientRMQ({ urls: [AMQP_URL], queue, queueOptions: { durable: false } });
      try {
        await lastValueFrom(client.emit('order.created', { id: 7 }), { defaultValue: undefined });
        await waitFor(() => seen[key]!.length === 1, `the ${key} delivery`);
      } finally {
        await client.close();
      }
    }
    expect(seen['unwrapped']).toEqual([{ id: 7 }]);
    expect(seen['raw']).toEqual([{ pattern: 'order.created', data: { id: 7 } }]);
  });
});
