/**
 * ClientAMQP talking to Nest's own built-in RMQ server (ServerRMQ over amqplib): the wire format is
 * Nest's, so requests, replies, streams, RpcException payloads, the no-handler reply and events must
 * all come through unchanged.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import {
  Ctx,
  EventPattern,
  MessagePattern,
  Payload,
  RmqContext,
  RpcException,
  Transport,
  type MicroserviceOptions,
  type ReadPacket,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom, lastValueFrom, interval, Observable, toArray } from 'rxjs';
import { map, take } from 'rxjs/operators';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { AmqpRecordBuilder } from '../../../../lib/transport/client/amqp.record-builder.js';
import { MessageReturnedError, RequestTimeoutError } from '../../../../lib/protocol/errors.js';
import { NO_MESSAGE_HANDLER } from '../../../../lib/transport/publish/nest-envelope.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';
import { nestMajor } from '../../../support/nest-major.js';

interface SeenMessage {
  data: unknown;
  headers: Record<string, unknown>;
  priority: number | undefined;
}

const events: unknown[] = [];
const seen: SeenMessage[] = [];

@Controller()
class MathController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern({ cmd: 'double' })
  double(@Payload() n: number): number {
    return n * 2;
  }

  @MessagePattern('fail')
  fail(): never {
    throw new RpcException({ code: 42, reason: 'refused' });
  }

  @MessagePattern('slow')
  async slow(@Payload() ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'late';
  }

  @MessagePattern('count')
  count(@Payload() n: number): Observable<number> {
    return interval(5).pipe(
      take(n),
      map((i) => i + 1),
    );
  }

  @MessagePattern('inspect')
  inspect(@Payload() data: unknown, @Ctx() ctx: RmqContext): string {
    const properties = (ctx.getMessage() as { properties: { headers?: Record<string, unknown>; priority?: number } })
      .properties;
    seen.push({ data, headers: properties.headers ?? {}, priority: properties.priority });
    return 'seen';
  }

  @EventPattern('order.created')
  created(@Payload() order: unknown): void {
    events.push(order);
  }
}

describe('ClientAMQP -> Nest ServerRMQ', () => {
  const queue = uniqueName('interop-rmq');
  let server: INestMicroservice;
  let client: ClientAMQP;
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
    const moduleRef = await Test.createTestingModule({ controllers: [MathController] }).compile();
    server = moduleRef.createNestMicroservice<MicroserviceOptions>({
      transport: Transport.RMQ,
      options: { urls: [AMQP_URL], queue, queueOptions: { durable: false } },
    });
    server.useLogger(false);
    await server.listen();
    client = new ClientAMQP({ urls: [AMQP_URL], queue, queueOptions: { durable: false }, timeout: 2000 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  it('answers a request', async () => {
    await expect(firstValueFrom(client.send<number>('sum', [1, 2, 3, 4]))).resolves.toBe(10);
  });

  it('routes object patterns the way Nest normalizes them', async () => {
    await expect(firstValueFrom(client.send<number>({ cmd: 'double' }, 21))).resolves.toBe(42);
  });

  it('delivers an RpcException with its payload', async () => {
    await expect(firstValueFrom(client.send('fail', {}))).rejects.toEqual({ code: 42, reason: 'refused' });
  });

  it('fails with Nest\'s no-handler error for an unknown pattern', async () => {
    await expect(firstValueFrom(client.send('nobody.handles.this', 1))).rejects.toBe(NO_MESSAGE_HANDLER);
  });

  it('times out with a typed error naming the pattern', async () => {
    // The client's timeout is 2000 ms; this call asks for 300 ms on its own record.
    const timedOut = await firstValueFrom(
      client.send('slow', new AmqpRecordBuilder(1000).setOptions({ timeout: 300 }).build()),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(timedOut).toBeInstanceOf(RequestTimeoutError);
    expect((timedOut as RequestTimeoutError).pattern).toBe('slow');
    expect((timedOut as RequestTimeoutError).timeoutMs).toBe(300);
  });

  it('receives a streamed reply value by value and completes on isDisposed', async () => {
    await expect(lastValueFrom(client.send<number>('count', 4).pipe(toArray()))).resolves.toEqual([1, 2, 3, 4]);
  });

  it('answers 100 concurrent requests, each with its own result', async () => {
    const calls = Array.from({ length: 100 }, (_, i) => firstValueFrom(client.send<number>('sum', [i, 1000])));
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i + 1000));
  });

  it('emits an event that settles on confirm and reaches the @EventPattern handler', async () => {
    const order = { id: uniqueName('order') };
    // The observable emits once the broker confirmed the message, then completes.
    await expect(lastValueFrom(client.emit('order.created', order).pipe(toArray()))).resolves.toEqual([undefined]);
    await waitFor(() => (events.some((e) => (e as { id?: string }).id === order.id) ? true : undefined));
  });

  // The dispatch hook (packet.metadata) is Nest 12's; on Nest 11 the client has none, and the
  // per-message properties and headers still travel.
  const hasDispatchHook = nestMajor() >= 12;
  it(`carries per-message properties, headers${hasDispatchHook ? ' and Nest 12 dispatch metadata' : ''} as AMQP headers`, async () => {
    const marker = uniqueName('meta');
    const hooked = client as ClientAMQP & { setOnDispatchHook?: (hook: (packet: ReadPacket) => void) => void };
    expect(typeof hooked.setOnDispatchHook).toBe(hasDispatchHook ? 'function' : 'undefined');
    hooked.setOnDispatchHook?.((packet) => {
      packet.metadata = { traceparent: `00-${marker}-01` };
    });
    try {
      const record = new AmqpRecordBuilder({ marker }).setOptions({ priority: 3, headers: { tenant: 'acme' } }).build();
      await expect(firstValueFrom(client.send('inspect', record))).resolves.toBe('seen');
    } finally {
      hooked.setOnDispatchHook?.(() => undefined);
    }
    const message = seen.find((m) => (m.data as { marker?: string }).marker === marker);
    expect(message).toBeDefined();
    expect(message?.headers['tenant']).toBe('acme');
    expect(message?.headers['traceparent']).toBe(hasDispatchHook ? `00-${marker}-01` : undefined);
    expect(message?.priority).toBe(3);
  });

  it('sends to an exchange and routing key chosen per message', async () => {
    const routingKey = uniqueName('rk');
    await admin.channel.bindQueue(queue, 'amq.direct', routingKey);
    try {
      const record = new AmqpRecordBuilder([5, 5]).setOptions({ exchange: 'amq.direct', routingKey }).build();
      await expect(firstValueFrom(client.send<number>('sum', record))).resolves.toBe(10);
    } finally {
      await admin.channel.unbindQueue(queue, 'amq.direct', routingKey);
    }
  });

  // ClientRMQ's meaning: `exchange` alone no longer redirects publishes (it binds `queue` with
  // `routingKey`); with `wildcards` the client publishes to the exchange, the pattern as routing key.
  it('with wildcards, publishes through the client-level exchange with the pattern as routing key', async () => {
    const exchange = uniqueName('interop-topic');
    await admin.channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
    await admin.channel.bindQueue(queue, exchange, 'sum');
    await admin.channel.bindQueue(queue, exchange, 'order.*');
    const viaExchange = new ClientAMQP({ urls: [AMQP_URL], exchange, wildcards: true, connectionKey: uniqueName('interop-ex') });
    try {
      await expect(firstValueFrom(viaExchange.send<number>('sum', [20, 22]))).resolves.toBe(42);
      const order = { id: uniqueName('via-exchange') };
      await lastValueFrom(viaExchange.emit('order.created', order).pipe(toArray()));
      await waitFor(() => (events.some((e) => (e as { id?: string }).id === order.id) ? true : undefined));
    } finally {
      await viaExchange.close();
      await admin.deleteExchanges(exchange);
    }
  });

  it('fails at once with MessageReturnedError when no queue is bound for the request', async () => {
    const record = new AmqpRecordBuilder([1]).setOptions({ exchange: 'amq.direct', routingKey: uniqueName('nobody') }).build();
    const error = await firstValueFrom(client.send('sum', record)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageReturnedError);
    // 312 NO_ROUTE from the broker's basic.return, not a RequestTimeoutError after 2000 ms.
    expect((error as MessageReturnedError).replyCode).toBe(312);
  });
});
