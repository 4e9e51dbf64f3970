/**
 * Coalesced acks against the real broker: requests at 100 in flight mixed with events whose
 * handler fails every third time (nacked, dead-lettered). The broker's own view (rabbitmqctl) then
 * shows nothing left unacked or ready on the served queue while its consumer is still there, every
 * failed event in the dead-letter queue, and fewer ack frames than acked deliveries (coalesced).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { DIAGNOSTICS_CHANNELS, type SettleDiagnostic } from '../../../../lib/protocol/diagnostics.js';
import { AMQP_URL, deadLetteringTo, listQueues, startSuiteServer, stopSuiteServer, uniqueName, waitFor, type SuiteServer } from './support.js';

const queue = uniqueName('coalesce');
const dlq = uniqueName('coalesce-dlq');
const CALLS = 2000;
const EVENTS = 300;
let handledEvents = 0;

@Controller()
class CoalesceController {
  @MessagePattern('double')
  double(@Payload() n: number): number {
    return 2 * n;
  }

  @EventPattern('note')
  async note(@Payload() n: number): Promise<void> {
    handledEvents += 1;
    await Promise.resolve();
    if (n % 3 === 0) throw new Error(`event ${n} refused`);
  }
}

let server: SuiteServer | undefined;
let client: ClientAMQP | undefined;
const settles = { ackFrames: 0, multiple: 0, nacks: 0 };
const onSettle = (message: unknown): void => {
  const settle = message as SettleDiagnostic;
  if (settle.method === 'basic.ack') {
    settles.ackFrames += 1;
    if (settle.multiple) settles.multiple += 1;
  } else settles.nacks += 1;
};

beforeAll(async () => {
  subscribe(DIAGNOSTICS_CHANNELS.settle, onSettle);
  server = await startSuiteServer(new ServerAMQP({ urls: [AMQP_URL], queue, queueOptions: deadLetteringTo(dlq) }), [CoalesceController], {
    deadLetterQueues: [dlq],
  });
  client = new ClientAMQP({ urls: [AMQP_URL], queue, queueOptions: deadLetteringTo(dlq) });
  await client.connect();
}, 60_000);

afterAll(async () => {
  unsubscribe(DIAGNOSTICS_CHANNELS.settle, onSettle);
  await client?.close();
  await stopSuiteServer(server, [queue, dlq]);
});

describe('coalesced acks on the real broker', () => {
  it('100 calls in flight plus failing events: nothing stays unacked, every failure dead-lettered, fewer ack frames than acks', async () => {
    const rpc = client as ClientAMQP;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < CALLS) {
        const n = next;
        next += 1;
        expect(await firstValueFrom(rpc.send<number>('double', n))).toBe(2 * n);
        if (n % Math.floor(CALLS / EVENTS) === 0 && n / Math.floor(CALLS / EVENTS) < EVENTS) {
          await lastValueFrom(rpc.emit('note', n / Math.floor(CALLS / EVENTS)), { defaultValue: undefined });
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    await waitFor(() => handledEvents === EVENTS, 'every event handled', 30_000);
    const failed = Math.ceil(EVENTS / 3);
    await waitFor(async () => (await listQueues([dlq])).get(dlq)?.messages_ready === failed, 'the failed events in the dead-letter queue', 30_000);

    const info = (await listQueues([queue])).get(queue);
    expect({ ready: info?.messages_ready, unacked: info?.messages_unacknowledged, consumers: info?.consumers }).toEqual({
      ready: 0,
      unacked: 0,
      consumers: 1,
    });
    expect(settles.nacks).toBe(failed);
    const acked = CALLS + EVENTS - failed;
    expect(settles.ackFrames).toBeLessThan(acked);
    expect(settles.multiple).toBeGreaterThan(0);
  }, 120_000);
});
