import { TestingModule } from '@nestjs/testing';
import { ClientAMQP, Connection, ServerAMQP } from 'nestjs-amqp-transport';
import { lastValueFrom } from 'rxjs';
import { AMQP_URL } from '../src/names';
import { INVOICES_QUEUE, ORDERS_EXCHANGE, ORDERS_RPC_QUEUE, PARKED_QUEUE, QUOTES, SHIPPING_QUEUE } from '../src/orders.names';
import { OrdersRecord } from '../src/orders.record';

// The orders app's test scenario, one body for every broker and test runner: the spec compiles the
// app's module (on the in-memory broker, or on RabbitMQ in a vhost of its own) and says how time
// passes; the scenario drives the app from outside and returns what happened.

/** How the scenario waits: real time (RabbitMQ) or the runner's fake timers (the in-memory broker). */
export interface Timeline {
  /** Resolves once `check()` holds; fails naming `what` when it never does. */
  until(check: () => boolean, what: string): Promise<void>;
}

/** Real time: checks every 10 ms, for up to `timeoutMs`. */
export function realTime(timeoutMs = 20_000): Timeline {
  return {
    async until(check, what) {
      for (const end = Date.now() + timeoutMs; !check(); await new Promise((resolve) => setTimeout(resolve, 10))) {
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      }
    },
  };
}

/**
 * Fake time: lets the app run (setImmediate stays real), then moves the runner's fake clock by
 * `stepMs` (`jest.advanceTimersByTimeAsync`, `vi.advanceTimersByTimeAsync`), until `check()` holds;
 * fails after `maxSteps` steps.
 */
export function fakeTime(advance: (ms: number) => Promise<unknown>, stepMs = 100, maxSteps = 2_000): Timeline {
  return {
    async until(check, what) {
      for (let step = 0; ; step += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        if (check()) return;
        if (step === maxSteps) throw new Error(`${what} did not happen in ${(stepMs * maxSteps) / 1000} s of fake time`);
        await advance(stepMs);
      }
    },
  };
}

/** What the scenario saw; the same on every broker. */
export interface OrdersOutcome {
  quote: number;
  invoices: unknown[];
  attempts: Record<number, number>;
  parked: OrdersRecord['parked'];
  left: { shipping: number; parked: number; invoices: number };
}

/** What the orders app must do on any broker. */
export const EXPECTED: OrdersOutcome = {
  quote: 42,
  invoices: [{ order: 1, amount: 30 }], // order 3 is American (not bound), order 2 never ships
  attempts: { 1: 1, 2: 3 }, // the failing order: the first attempt and two retries
  parked: [{ id: 2, reason: 'rejected', retries: 2 }],
  left: { shipping: 0, parked: 0, invoices: 0 },
};

/**
 * Runs the compiled app as a microservice (ServerAMQP for the RPC), then: a quote through
 * ClientAMQP; three orders published from outside (a European one, an American one nobody is bound
 * for, a European one with a negative total that fails); waits until the good one shipped and the
 * bad one was parked; reads the invoices and the queue depths. `url` reaches the broker the module
 * was compiled for (on the in-memory broker any URL does).
 */
export async function ordersScenario(moduleRef: TestingModule, time: Timeline, url: string = AMQP_URL): Promise<OrdersOutcome> {
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [url], queue: ORDERS_RPC_QUEUE }), logger: false });
  await app.listen();
  const outside = await Connection.connect(url);
  try {
    const record = app.get(OrdersRecord);
    const quote = await lastValueFrom(app.get<ClientAMQP>(QUOTES).send<number>('quote', [10, 20, 12]));
    const channel = await outside.channel();
    await channel.confirmDelivery();
    const json = { contentType: 'application/json' };
    await channel.basicPublish(ORDERS_EXCHANGE, 'order.created.eu', JSON.stringify({ id: 1, total: 30 }), json);
    await channel.basicPublish(ORDERS_EXCHANGE, 'order.created.us', JSON.stringify({ id: 3, total: 40 }), json);
    await channel.basicPublish(ORDERS_EXCHANGE, 'order.created.eu', JSON.stringify({ id: 2, total: -1 }), json);
    await time.until(() => record.shipped.length === 1 && record.parked.length === 1, 'order 1 shipped and order 2 parked');
    const invoices: unknown[] = [];
    for (let m = await channel.basicGet(INVOICES_QUEUE, { autoAck: true }); m !== null; m = await channel.basicGet(INVOICES_QUEUE, { autoAck: true })) {
      invoices.push(JSON.parse(m.body.toString()));
    }
    const depth = async (queue: string): Promise<number> => (await channel.queueDeclare({ queue, passive: true })).messageCount;
    return {
      quote,
      invoices,
      attempts: Object.fromEntries(record.attempts),
      parked: record.parked,
      left: { shipping: await depth(SHIPPING_QUEUE), parked: await depth(PARKED_QUEUE), invoices: await depth(INVOICES_QUEUE) },
    };
  } finally {
    await outside.close();
    await app.close();
  }
}
