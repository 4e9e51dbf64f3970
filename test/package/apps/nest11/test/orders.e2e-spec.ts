import { Test } from '@nestjs/testing';
import { InMemoryBroker, useTestVhost } from 'nestjs-amqp-transport/testing';
import { AMQP_URL } from '../src/names';
import { OrdersModule } from '../src/orders.module';
import { FAILED_EXCHANGE, INVOICES_QUEUE, ORDERS_EXCHANGE, SHIPPING_QUEUE } from '../src/orders.names';
import { EXPECTED, type OrdersOutcome, fakeTime, ordersScenario, realTime } from './orders.scenario';

// The orders app's test (Jest, CommonJS): one scenario on the in-memory broker (swapped in by one
// line, retry delays on Jest's fake timers) and on RabbitMQ in a vhost of its own; same results.
const outcomes: Record<string, OrdersOutcome> = {};

describe('orders app on the in-memory broker', () => {
  let broker: InMemoryBroker;
  beforeAll(async () => {
    broker = await InMemoryBroker.start();
  });
  afterAll(() => broker.stop());
  // Promise jobs, nextTick and setImmediate stay real: the engine needs them.
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('quotes, ships, retries then dead-letters', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OrdersModule.forRoot(), broker.module()], // broker.module(): the one line that swaps it in
    }).compile();
    outcomes.inMemory = await ordersScenario(moduleRef, fakeTime((ms) => jest.advanceTimersByTimeAsync(ms)));
    expect(outcomes.inMemory).toEqual(EXPECTED);
    // What only the in-memory broker can tell: every publish with where it went, every dead-lettering.
    expect(broker.published({ exchange: ORDERS_EXCHANGE }).map((m) => [m.routingKey, m.queues])).toEqual([
      ['order.created.eu', [SHIPPING_QUEUE]],
      ['order.created.us', []],
      ['order.created.eu', [SHIPPING_QUEUE]],
    ]);
    expect(broker.published({ queue: INVOICES_QUEUE }).map((m) => m.json())).toEqual([{ order: 1, amount: 30 }]);
    // Settled from the shipping queue: order 1, order 2 and its two retry copies (the last one rejected).
    expect(broker.handled(SHIPPING_QUEUE)).toBe(4);
    expect(broker.deadLettered({ queue: SHIPPING_QUEUE }).map((d) => [d.reason, d.deadLetterExchange, d.json()])).toEqual([
      ['rejected', FAILED_EXCHANGE, { id: 2, total: -1 }],
    ]);
  }, 30_000);
});

describe('orders app on RabbitMQ, in a vhost of its own', () => {
  const vhost = useTestVhost({ beforeAll, afterAll }, { url: AMQP_URL, prefix: `orders-${process.env.PACKAGE_APP_SUFFIX ?? 'app'}` });

  it('quotes, ships, retries then dead-letters', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [OrdersModule.forRoot(vhost.url)] }).compile();
    outcomes.rabbitmq = await ordersScenario(moduleRef, realTime(), vhost.url);
    expect(outcomes.rabbitmq).toEqual(EXPECTED);
  }, 60_000);

  it('gives the same results as the in-memory broker', () => {
    expect(outcomes.rabbitmq).toEqual(outcomes.inMemory);
  });
});
