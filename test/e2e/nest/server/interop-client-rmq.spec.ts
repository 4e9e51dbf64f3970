/**
 * Nest's own RMQ client (ClientRMQ over amqplib) talking to ServerAMQP: a service can move its
 * server to this transport first and keep its callers unchanged.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientRMQ, Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, interval, lastValueFrom, toArray, type Observable } from 'rxjs';
import { map, take } from 'rxjs/operators';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { NO_MESSAGE_HANDLER } from '../../../../lib/transport/publish/nest-envelope.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const queue = uniqueName('interop');
const events: Array<{ data: unknown; persistent: boolean }> = [];

@Controller()
class MathController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern({ cmd: 'greet' })
  greet(@Payload() name: string): string {
    return `hello ${name}`;
  }

  @MessagePattern('refuse')
  refuse(): never {
    throw new RpcException({ code: 'E_REFUSED', detail: 'no' });
  }

  @MessagePattern('ticks')
  ticks(@Payload() n: number): Observable<number> {
    return interval(2).pipe(
      take(n),
      map((i) => i * 10),
    );
  }

  @EventPattern<string>('user.created')
  created(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    events.push({ data, persistent: ctx.properties.deliveryMode === 2 });
  }
}

@Module({ controllers: [MathController] })
class MathModule {}

let app: INestMicroservice;
let client: ClientRMQ;
let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  // Queue options as ClientRMQ asserts them (amqplib's defaults), so both sides declare the same queue.
  app = await NestFactory.createMicroservice(MathModule, {
    strategy: new ServerAMQP({ urls: [AMQP_URL], queue, queueOptions: { durable: true } }),
    logger: false,
  });
  await app.listen();
  client = new ClientRMQ({ urls: [AMQP_URL], queue, queueOptions: { durable: true }, persistent: true });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await app?.close();
  await admin?.cleanup([queue]);
  await admin?.close();
});

describe('ClientRMQ -> ServerAMQP', () => {
  it('send: string and object patterns', async () => {
    await expect(firstValueFrom(client.send<number>('sum', [1, 2, 3, 4]))).resolves.toBe(10);
    await expect(firstValueFrom(client.send<string>({ cmd: 'greet' }, 'nest'))).resolves.toBe('hello nest');
  });

  it('send: 100 concurrent calls each get their own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => firstValueFrom(client.send<number>('sum', [i, i]))));
    expect(answers).toEqual(Array.from({ length: 100 }, (_, i) => 2 * i));
  });

  it('send: an RpcException arrives with its payload', async () => {
    await expect(firstValueFrom(client.send('refuse', {}))).rejects.toEqual({ code: 'E_REFUSED', detail: 'no' });
  });

  it('send: a streamed reply arrives as the whole stream', async () => {
    await expect(lastValueFrom(client.send<number>('ticks', 3).pipe(toArray()))).resolves.toEqual([0, 10, 20]);
  });

  it('send: an unknown pattern gets Nest\'s no-handler error', async () => {
    await expect(firstValueFrom(client.send('nope', 1))).rejects.toBe(NO_MESSAGE_HANDLER);
  });

  it('emit: the event reaches the handler with its properties, and is acked', async () => {
    await firstValueFrom(client.emit('user.created', { id: 1, name: 'ada' }), { defaultValue: undefined });
    await waitFor(() => events.length === 1, 'the event');
    expect(events[0]).toEqual({ data: { id: 1, name: 'ada' }, persistent: true });
    await waitFor(async () => (await admin.messageCount(queue)) === 0, 'the queue to be empty');
  });
});
