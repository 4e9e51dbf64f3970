/**
 * The same test body on the in-memory broker and on RabbitMQ (a vhost of its own): an RPC through
 * ClientAMQP, an order routed by a topic binding to a consumer that publishes an invoice, an order
 * that does not match the binding, and a poison order retried twice then dead-lettered and parked.
 */
import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { lastValueFrom } from 'rxjs';
import { Connection } from '../../lib/protocol/index.js';
import { InMemoryBroker, useTestVhost } from '../../lib/testing/index.js';
import { INVOICES, ORDERS_EXCHANGE, PARKED, SHIPPING, startOrdersApp } from './app/orders.app.js';

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** The test body: drives the app from outside through the broker at `url`; returns what happened. */
async function exercise(url: string): Promise<unknown> {
  const { app, record, math } = await startOrdersApp(url);
  const outside = await Connection.connect(url);
  try {
    const ch = await outside.channel();
    await ch.confirmDelivery();
    const sum = await lastValueFrom(math.send<number>('sum', [1, 2, 3]));
    await ch.basicPublish(ORDERS_EXCHANGE, 'order.created.eu', JSON.stringify({ id: 1 }), { contentType: 'application/json' });
    await ch.basicPublish(ORDERS_EXCHANGE, 'order.created.us', JSON.stringify({ id: 3 }), { contentType: 'application/json' });
    await ch.basicPublish(ORDERS_EXCHANGE, 'order.created.eu', JSON.stringify({ id: 2, poison: true }), { contentType: 'application/json' });
    await until(() => record.parked.length === 1, 'the poison order to be parked');
    const invoices: unknown[] = [];
    await until(() => record.attempts.get(1) === 1, 'order 1');
    for (let m = await ch.basicGet(INVOICES, { autoAck: true }); m !== null; m = await ch.basicGet(INVOICES, { autoAck: true })) {
      invoices.push(JSON.parse(m.body.toString()));
    }
    const shipping = await ch.queueDeclare({ queue: SHIPPING, passive: true });
    const parked = await ch.queueDeclare({ queue: PARKED, passive: true });
    return {
      sum,
      invoices,
      attempts: Object.fromEntries(record.attempts),
      parked: record.parked,
      left: { shipping: shipping.messageCount, parked: parked.messageCount },
    };
  } finally {
    await app.close();
    await outside.close();
  }
}

const EXPECTED = {
  sum: 6,
  invoices: [{ order: 1 }],
  attempts: { 1: 1, 2: 3 },
  parked: [{ id: 2, reason: 'rejected', retries: 2 }],
  left: { shipping: 0, parked: 0 },
};

describe('orders app on the in-memory broker', () => {
  let broker: InMemoryBroker;
  beforeAll(async () => {
    broker = await InMemoryBroker.start();
  });
  afterEach(() => broker.reset());
  afterAll(async () => {
    await broker.stop();
  });

  it('RPC, topic routing, publishing, retry then dead-letter', async () => {
    expect(await exercise(broker.url())).toEqual(EXPECTED);
    // What only the in-memory broker can tell: every publish and every dead-lettering, with reasons.
    expect(broker.published({ exchange: ORDERS_EXCHANGE }).map((m) => [m.routingKey, m.queues])).toEqual([
      ['order.created.eu', [SHIPPING]],
      ['order.created.us', []],
      ['order.created.eu', [SHIPPING]],
    ]);
    expect(broker.published({ routingKey: SHIPPING }).map((m) => m.json())).toEqual([{ id: 2, poison: true }, { id: 2, poison: true }]);
    expect(broker.deadLettered({ queue: SHIPPING }).map((d) => [d.reason, d.json()])).toEqual([['rejected', { id: 2, poison: true }]]);
    expect(broker.published({ queue: INVOICES }).map((m) => m.json())).toEqual([{ order: 1 }]);
  });
});

describe('orders app on the in-memory broker, through failures', () => {
  let broker: InMemoryBroker;
  beforeAll(async () => {
    broker = await InMemoryBroker.start({ host: 'in-memory-failures' });
  });
  afterAll(async () => {
    await broker.stop();
  });

  it('recovers after the broker drops every connection: health says so, consumers come back, orders flow', async () => {
    const { app, record, server } = await startOrdersApp(broker.url());
    try {
      expect(server.getHealth().connected).toBe(true);
      broker.dropConnections();
      expect(broker.connectionCount).toBe(0);
      await until(() => broker.connectionCount > 0 && server.getHealth().connected && broker.queue(SHIPPING)?.consumerCount === 1, 'recovery', 20_000);
      broker.publish(ORDERS_EXCHANGE, 'order.created.eu', { id: 10 });
      await broker.waitForHandled(SHIPPING, 1);
      expect(record.attempts.get(10)).toBe(1);
      expect(broker.published({ queue: INVOICES }).map((m) => m.json())).toEqual([{ order: 10 }]);
    } finally {
      await app.close();
    }
  }, 40_000);

  it('a channel closed by the broker under a consumer: the message goes back, health reports the stopped consumer', async () => {
    const { app, server } = await startOrdersApp(broker.url());
    try {
      const expected = server.getHealth().expectedConsumers;
      expect(server.getHealth().consumers).toBe(expected);
      broker.failNextDelivery({ kind: 'close-channel', code: 406, text: 'PRECONDITION_FAILED - injected' }, { queue: SHIPPING });
      broker.publish(ORDERS_EXCHANGE, 'order.created.eu', { id: 11 });
      await broker.waitForQueueDepth(SHIPPING, 1);
      expect(broker.queue(SHIPPING)?.messages().map((m) => [m.json(), m.redelivered])).toEqual([[{ id: 11 }, true]]);
      // A channel error on a live connection is final for that consumer (as on RabbitMQ): health says so.
      await until(() => server.getHealth().consumers === expected - 1, 'health to see the stopped consumer');
    } finally {
      await app.close();
    }
  }, 40_000);
});

describe('orders app on RabbitMQ (a vhost of its own)', () => {
  const vhost = useTestVhost({ beforeAll, afterAll }, { prefix: 'orders-app', url: process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672' });

  it('RPC, topic routing, publishing, retry then dead-letter: the same results', async () => {
    expect(await exercise(vhost.url)).toEqual(EXPECTED);
  });
});
