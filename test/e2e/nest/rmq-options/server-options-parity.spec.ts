/**
 * The same RmqOptions object given to Transport.RMQ (Nest's ServerRMQ over amqplib) and to ServerAMQP
 * gives the same broker-side result (queues with their x-arguments, exchanges, bindings, consumers,
 * basic.qos, as rabbitmqctl lists them) and the same handler behaviour, including Nest's documented
 * manual ack and `wildcards` routing `orders.created` to `@EventPattern('orders.*')`.
 */
import { jest, describe, it, expect, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, Transport, type RmqOptions } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import { InvalidOptionError, UnsupportedOptionError } from '../../../../lib/protocol/errors.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { waitFor } from '../../../support/wait-for.js';
import { AMQP_URL, cleanup, publishEvent, rmqName, snapshot, type BrokerSnapshot } from './support.js';

type RmqServerOptions = NonNullable<RmqOptions['options']>;

/** What both transports' contexts offer: Nest's RmqContext API. */
interface NestRmqContextLike {
  getMessage(): unknown;
  getChannelRef(): { ack(message: unknown): void };
}

const received: Array<{ handler: string; data: unknown }> = [];
let manualAck = false;

@Controller()
class ParityController {
  @EventPattern<string>('orders.*')
  anyOrder(@Payload() data: unknown, @Ctx() context: NestRmqContextLike): void {
    received.push({ handler: 'orders.*', data });
    // The Nest docs' manual ack, unchanged.
    if (manualAck) context.getChannelRef().ack(context.getMessage());
  }

  @EventPattern<string>('ping.event')
  ping(@Payload() data: unknown, @Ctx() context: NestRmqContextLike): void {
    received.push({ handler: 'ping.event', data });
    if (manualAck) context.getChannelRef().ack(context.getMessage());
  }

  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }
}

interface Run {
  snapshot: BrokerSnapshot;
  received: Array<{ handler: string; data: unknown }>;
  connectEvents: number;
  unacked: number;
}

/** One transport started on `options`, one event published, what the broker and the handlers show. */
async function runWith(
  kind: 'Transport.RMQ' | 'ServerAMQP',
  options: RmqServerOptions,
  names: { queues: string[]; exchanges: string[]; connectionName: string },
  publish: { exchange: string; routingKey: string; pattern: string },
  keepTags = false,
): Promise<Run> {
  received.length = 0;
  const moduleRef = await Test.createTestingModule({ controllers: [ParityController] }).compile();
  const app: INestMicroservice =
    kind === 'Transport.RMQ'
      ? moduleRef.createNestMicroservice({ transport: Transport.RMQ, options })
      : moduleRef.createNestMicroservice({ strategy: new ServerAMQP(options) });
  app.useLogger(false);
  let connectEvents = 0;
  app.on('connect', () => (connectEvents += 1));
  try {
    await app.listen();
    const data = { kind, at: Date.now() };
    await publishEvent(publish.exchange, publish.routingKey, publish.pattern, data);
    await waitFor(() => received.length === 1, `${kind}: the event to reach a handler`);
    const state = await snapshot(names.queues, names.exchanges, names.connectionName, keepTags);
    const unacked = await unackedCount(names.queues[0] as string);
    expect(received[0]?.data).toEqual(data);
    return { snapshot: state, received: received.map((entry) => ({ handler: entry.handler, data: undefined })), connectEvents, unacked };
  } finally {
    await app.close();
  }
}

async function unackedCount(queue: string): Promise<number> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    // Messages a consumer holds unacked come back to the queue when its channel closes: read after close.
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount;
  } finally {
    await connection.close();
  }
}

function withConnectionName(options: RmqServerOptions, connectionName: string): RmqServerOptions {
  return { ...options, socketOptions: { connectionOptions: { clientProperties: { connection_name: connectionName } } } };
}

/** Runs both transports on the same options object (cleaning up between), and compares. */
async function compare(
  build: (names: { queue: string; exchange: string }) => RmqServerOptions,
  publish: (names: { queue: string; exchange: string }) => { exchange: string; routingKey: string; pattern: string },
  setup?: (names: { queue: string; exchange: string }) => Promise<void>,
  keepTags = false,
): Promise<{ rmq: Run; amqp: Run }> {
  const names = { queue: rmqName('parity-q'), exchange: rmqName('parity-x') };
  const connectionName = rmqName('parity-conn');
  const options = withConnectionName(build(names), connectionName);
  const scope = { queues: [names.queue], exchanges: [names.exchange, names.queue], connectionName };
  try {
    await setup?.(names);
    const rmq = await runWith('Transport.RMQ', options, scope, publish(names), keepTags);
    await cleanup([names.queue], [names.exchange, names.queue]);
    await setup?.(names);
    const amqp = await runWith('ServerAMQP', options, scope, publish(names), keepTags);
    // The broker-side state: the same declarations, bindings, consumers and qos, field by field.
    expect(amqp.snapshot).toEqual(rmq.snapshot);
    expect(amqp.received).toEqual(rmq.received);
    expect(amqp.unacked).toBe(rmq.unacked);
    expect(rmq.connectEvents).toBeGreaterThanOrEqual(1);
    expect(amqp.connectEvents).toBe(1);
    return { rmq, amqp };
  } finally {
    await cleanup([names.queue], [names.exchange, names.queue]);
  }
}

afterAll(() => {
  manualAck = false;
});

// Each case starts both transports and lists the broker's state with rabbitmqctl: ~10 s, more on a loaded machine.
jest.setTimeout(90_000);

describe('the same RmqOptions object: Transport.RMQ and ServerAMQP', () => {
  it('queueOptions shortcuts (DLX, TTL, max length, priority, expires), prefetchCount, noAck false with the Nest docs\' manual ack', async () => {
    manualAck = true;
    try {
      const { amqp } = await compare(
        ({ queue }) => ({
          urls: [AMQP_URL],
          queue,
          noAck: false,
          prefetchCount: 5,
          queueOptions: {
            durable: true,
            messageTtl: 60_000,
            deadLetterExchange: 'rmq-parity-dlx',
            deadLetterRoutingKey: 'dead',
            maxLength: 1000,
            maxPriority: 5,
            expires: 3_600_000,
          },
        }),
        ({ queue }) => ({ exchange: '', routingKey: queue, pattern: 'ping.event' }),
      );
      expect(amqp.snapshot.queues[0]?.arguments).toEqual({
        'x-message-ttl': 60_000,
        'x-dead-letter-exchange': 'rmq-parity-dlx',
        'x-dead-letter-routing-key': 'dead',
        'x-max-length': 1000,
        'x-max-priority': 5,
        'x-expires': 3_600_000,
      });
      expect(amqp.snapshot.consumers).toEqual([expect.objectContaining({ prefetch_count: 5, ack_required: true })]);
      // Acked by the handler through getChannelRef().ack(getMessage()): nothing left in the queue.
      expect(amqp.unacked).toBe(0);
    } finally {
      manualAck = false;
    }
  });

  it('a queue Transport.RMQ declared with DLX/TTL shortcuts is consumed by ServerAMQP as it is (no 406)', async () => {
    const queue = rmqName('existing');
    const options: RmqServerOptions = {
      urls: [AMQP_URL],
      queue,
      noAck: true,
      queueOptions: { durable: true, messageTtl: 30_000, deadLetterExchange: '', deadLetterRoutingKey: `${queue}.dead` },
    };
    const names = { queues: [queue], exchanges: [], connectionName: rmqName('existing-conn') };
    try {
      await runWith('Transport.RMQ', options, names, { exchange: '', routingKey: queue, pattern: 'ping.event' });
      const run = await runWith('ServerAMQP', options, names, { exchange: '', routingKey: queue, pattern: 'ping.event' });
      expect(run.received).toEqual([{ handler: 'ping.event', data: undefined }]);
    } finally {
      await cleanup([queue], []);
    }
  });

  it('exchange, exchangeType direct, routingKey, exchangeArguments', async () => {
    const { amqp } = await compare(
      ({ queue, exchange }) => ({
        urls: [AMQP_URL],
        queue,
        noAck: true,
        prefetchCount: 10,
        exchange,
        exchangeType: 'direct',
        routingKey: 'orders-rk',
        exchangeArguments: { 'alternate-exchange': 'rmq-parity-ae' },
      }),
      ({ exchange }) => ({ exchange, routingKey: 'orders-rk', pattern: 'ping.event' }),
    );
    expect(amqp.snapshot.exchanges).toEqual([
      expect.objectContaining({ type: 'direct', durable: true, arguments: { 'alternate-exchange': 'rmq-parity-ae' } }),
    ]);
    expect(amqp.snapshot.bindings.map((binding) => binding.routing_key)).toEqual(['orders-rk']);
  });

  it('exchangeType fanout binds the queue with an empty key', async () => {
    const { amqp } = await compare(
      ({ queue, exchange }) => ({ urls: [AMQP_URL], queue, noAck: true, prefetchCount: 10, exchange, exchangeType: 'fanout' }),
      ({ exchange }) => ({ exchange, routingKey: 'anything', pattern: 'ping.event' }),
    );
    expect(amqp.snapshot.bindings.map((binding) => binding.routing_key)).toEqual(['']);
  });

  it("wildcards: the queue's own topic exchange, one binding per handler pattern, orders.created reaches @EventPattern('orders.*')", async () => {
    const { amqp, rmq } = await compare(
      ({ queue }) => ({ urls: [AMQP_URL], queue, noAck: true, prefetchCount: 10, wildcards: true }),
      ({ queue }) => ({ exchange: queue, routingKey: 'orders.created', pattern: 'orders.created' }),
    );
    expect(rmq.received).toEqual([{ handler: 'orders.*', data: undefined }]);
    expect(amqp.snapshot.exchanges).toEqual([expect.objectContaining({ type: 'topic', durable: true })]);
    expect(amqp.snapshot.bindings.map((binding) => binding.routing_key).sort()).toEqual(['orders.*', 'ping.event', 'sum']);
  });

  it('isGlobalPrefetchCount: basic.qos global on the consuming channel', async () => {
    const { amqp } = await compare(
      ({ queue }) => ({ urls: [AMQP_URL], queue, noAck: false, prefetchCount: 3, isGlobalPrefetchCount: true }),
      ({ queue }) => ({ exchange: '', routingKey: queue, pattern: 'ping.event' }),
    );
    expect(amqp.snapshot.globalPrefetch).toEqual([3]);
  });

  it('noAssert consumes a queue declared elsewhere; consumerTag names the consumer', async () => {
    const tag = rmqName('tag');
    const { amqp } = await compare(
      ({ queue }) => ({ urls: [AMQP_URL], queue, noAck: true, prefetchCount: 10, noAssert: true, consumerTag: tag }),
      ({ queue }) => ({ exchange: '', routingKey: queue, pattern: 'ping.event' }),
      async ({ queue }) => {
        const connection = await amqplib.connect(AMQP_URL);
        await (await connection.createChannel()).assertQueue(queue, { durable: false, arguments: { 'x-max-length': 7 } });
        await connection.close();
      },
      true,
    );
    expect(amqp.snapshot.queues).toEqual([expect.objectContaining({ durable: false, arguments: { 'x-max-length': 7 } })]);
    expect(amqp.snapshot.consumers).toEqual([expect.objectContaining({ consumer_tag: tag })]);
  });

  it('an option that cannot be honoured, or a misspelt one, fails ServerAMQP at construction with its name', () => {
    const base: RmqServerOptions = { urls: [AMQP_URL], queue: 'never-declared' };
    expect(() => new ServerAMQP({ ...base, socketOptions: { findServers: () => [AMQP_URL] } } as never)).toThrow(UnsupportedOptionError);
    expect(() => new ServerAMQP({ ...base, socketOptions: { findServers: () => [AMQP_URL] } } as never)).toThrow(
      /socketOptions\.findServers: not supported/,
    );
    expect(() => new ServerAMQP({ ...base, queueOptions: { deadLetterExhange: 'dlx' } } as never)).toThrow(InvalidOptionError);
    expect(() => new ServerAMQP({ ...base, queueOptions: { deadLetterExhange: 'dlx' } } as never)).toThrow(
      'queueOptions.deadLetterExhange: unknown option (did you mean "deadLetterExchange"?)',
    );
  });
});
