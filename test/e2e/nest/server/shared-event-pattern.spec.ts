/**
 * Several @EventPattern handlers for one pattern (two controllers), on ServerAMQP's default queue
 * against the real broker. Nest runs them all for each event and joins their results; the event is
 * acked once every handler succeeded (an async one and one returning an observable that completes
 * without a value included), and dead-lettered once when any of them failed, after all ran.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EMPTY, type Observable } from 'rxjs';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, deadLetteringTo, listQueues, sleep, startSuiteServer, stopSuiteServer, uniqueName, waitFor, type Admin, type SuiteServer } from './support.js';

const queue = uniqueName('shared-event');
const dlq = uniqueName('shared-event-dlq');
const calls: string[] = [];
/** Holds the shipping handler of order 3 until the test opens it. */
let openShippingGate: () => void = () => undefined;
const shippingGate = new Promise<void>((resolve) => (openShippingGate = resolve));

interface Order {
  id: number;
  failIn?: 'billing';
}

@Controller()
class ShippingController {
  @EventPattern<string>('order.placed')
  async ship(@Payload() order: Order): Promise<void> {
    await (order.id === 3 ? shippingGate : sleep(20));
    calls.push(`shipping:${order.id}`);
  }

  @EventPattern<string>('order.placed')
  audit(@Payload() order: Order): Observable<never> {
    calls.push(`audit:${order.id}`);
    return EMPTY;
  }
}

@Controller()
class BillingController {
  @EventPattern<string>('order.placed')
  bill(@Payload() order: Order): void {
    calls.push(`billing:${order.id}`);
    if (order.failIn === 'billing') throw new Error('card declined');
  }
}

let suite: SuiteServer | undefined;
let admin: Admin;

beforeAll(async () => {
  suite = await startSuiteServer(
    new ServerAMQP({ urls: [AMQP_URL], queue, queueOptions: deadLetteringTo(dlq) }),
    [ShippingController, BillingController],
    { deadLetterQueues: [dlq] },
  );
  admin = suite.admin;
});

afterAll(() => stopSuiteServer(suite, [queue, dlq]));

describe('several handlers for one event pattern', () => {
  it('runs every handler once and acks the event once they all succeeded', async () => {
    await admin.publish('', queue, { pattern: 'order.placed', data: { id: 1 } });
    await waitFor(() => calls.filter((c) => c.endsWith(':1')).length === 3, 'the three handlers');
    await sleep(100);
    expect(calls.filter((c) => c.endsWith(':1')).sort()).toEqual(['audit:1', 'billing:1', 'shipping:1']);
    expect(await admin.messageCount(queue)).toBe(0);
    expect(await admin.messageCount(dlq)).toBe(0);
  });

  it('acks only after the slowest handler finished, though another completed at once without a value', async () => {
    await admin.publish('', queue, { pattern: 'order.placed', data: { id: 3 } });
    await waitFor(() => calls.includes('audit:3') && calls.includes('billing:3'), 'the two quick handlers');
    await sleep(200);
    expect((await listQueues([queue])).get(queue)?.messages_unacknowledged).toBe(1);
    openShippingGate();
    await waitFor(async () => (await listQueues([queue])).get(queue)?.messages_unacknowledged === 0, 'the ack');
    expect(calls).toContain('shipping:3');
    expect(await admin.messageCount(dlq)).toBe(0);
  });

  it('dead-letters the event once when one handler fails, after every handler ran', async () => {
    await admin.publish('', queue, { pattern: 'order.placed', data: { id: 2, failIn: 'billing' } });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the failed event in the DLQ');
    expect(calls.filter((c) => c.endsWith(':2')).sort()).toEqual(['audit:2', 'billing:2', 'shipping:2']);
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toEqual({ pattern: 'order.placed', data: { id: 2, failIn: 'billing' } });
    expect(await admin.messageCount(queue)).toBe(0);
  });
});
