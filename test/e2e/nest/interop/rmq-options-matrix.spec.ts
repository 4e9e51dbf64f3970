/**
 * Interop matrix over Transport.RMQ's routing options: Nest's ClientRMQ -> ServerAMQP and ClientAMQP ->
 * Nest's ServerRMQ, each side given the same options object (exchange, exchange type, wildcards,
 * routing key), with the server's noAck true and false (handlers ack as the Nest docs show). A request
 * is answered, an event reaches its (wildcard) handler, and nothing is left unacked.
 */
import { describe, it, expect, afterEach } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { ClientRMQ, Ctx, EventPattern, MessagePattern, Payload, Transport, type RmqOptions } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import amqplib from 'amqplib';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { waitFor } from '../../../support/wait-for.js';
import { AMQP_URL, cleanup, rmqName } from '../rmq-options/support.js';

type Options = NonNullable<RmqOptions['options']>;

interface NestRmqContextLike {
  getMessage(): unknown;
  getChannelRef(): { ack(message: unknown): void };
}

const events: unknown[] = [];
let manualAck = false;

@Controller()
class MatrixController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[], @Ctx() context: NestRmqContextLike): number {
    if (manualAck) context.getChannelRef().ack(context.getMessage());
    return numbers.reduce((a, b) => a + b, 0);
  }

  @EventPattern<string>('orders.*')
  order(@Payload() data: unknown, @Ctx() context: NestRmqContextLike): void {
    if (manualAck) context.getChannelRef().ack(context.getMessage());
    events.push(data);
  }

  @EventPattern<string>('orders.created')
  exact(@Payload() data: unknown, @Ctx() context: NestRmqContextLike): void {
    if (manualAck) context.getChannelRef().ack(context.getMessage());
    events.push(data);
  }
}

type Routing = 'wildcards (exchange = queue, topic)' | 'wildcards, named topic exchange' | 'fanout exchange' | 'direct exchange + routingKey';

function routingOptions(routing: Routing, queue: string, exchange: string): Options {
  switch (routing) {
    case 'wildcards (exchange = queue, topic)':
      return { queue, wildcards: true };
    case 'wildcards, named topic exchange':
      return { queue, wildcards: true, exchange, exchangeType: 'topic' };
    case 'fanout exchange':
      return { queue, exchange, exchangeType: 'fanout' };
    case 'direct exchange + routingKey':
      return { queue, exchange, exchangeType: 'direct', routingKey: 'matrix-rk' };
  }
}

const routings: Routing[] = ['wildcards (exchange = queue, topic)', 'wildcards, named topic exchange', 'fanout exchange', 'direct exchange + routingKey'];
const cases = (['ClientRMQ -> ServerAMQP', 'ClientAMQP -> ServerRMQ'] as const).flatMap((direction) =>
  routings.flatMap((routing) => [true, false].map((noAck) => ({ direction, routing, noAck }))),
);

let teardown: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of teardown.reverse()) await step().catch(() => undefined);
  teardown = [];
  manualAck = false;
});

async function messagesLeft(queue: string): Promise<number> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    return (await (await connection.createChannel()).checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

describe('Transport.RMQ routing options across the two transports', () => {
  it.each(cases)('$direction, $routing, server noAck $noAck', async ({ direction, routing, noAck }) => {
    const queue = rmqName('matrix-q');
    const exchange = rmqName('matrix-x');
    teardown.push(() => cleanup([queue], [exchange, queue]));
    events.length = 0;
    manualAck = !noAck;
    const shared: Options = { urls: [AMQP_URL], ...routingOptions(routing, queue, exchange) };
    const moduleRef = await Test.createTestingModule({ controllers: [MatrixController] }).compile();
    const server: INestMicroservice =
      direction === 'ClientRMQ -> ServerAMQP'
        ? moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ ...shared, noAck }) })
        : moduleRef.createNestMicroservice({ transport: Transport.RMQ, options: { ...shared, noAck } });
    server.useLogger(false);
    await server.listen();
    teardown.push(() => server.close());
    // The client gets the same object (the server's noAck is the server's: a client's noAck is about replies).
    const client = direction === 'ClientRMQ -> ServerAMQP' ? new ClientRMQ(shared) : new ClientAMQP(shared);
    teardown.push(() => client.close());
    await client.connect();

    await expect(firstValueFrom(client.send<number>('sum', [40, 2]))).resolves.toBe(42);
    const order = { id: rmqName('order') };
    await lastValueFrom(client.emit('orders.created', order).pipe(toArray()));
    await waitFor(() => events.length >= 1, 'the event');
    expect(events).toEqual([order]);
    if (shared.wildcards === true) {
      // No handler has 'orders.shipped' exactly: the topic pattern 'orders.*' takes it.
      const shipped = { id: rmqName('shipped') };
      await lastValueFrom(client.emit('orders.shipped', shipped).pipe(toArray()));
      await waitFor(() => events.length >= 2, 'the wildcard event');
      expect(events).toEqual([order, shipped]);
    }
    // Acked: by the broker on delivery (noAck), else by the handler through getChannelRef().ack().
    await server.close();
    expect(await messagesLeft(queue)).toBe(0);
  });
});
