/**
 * Bounded retry then dead-letter, and Nest's pipeline on a @QueueConsumer: a pipe that validates and
 * transforms the payload, a guard, and an exception filter that sees the AmqpContext.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  Catch,
  Controller,
  Injectable,
  UseFilters,
  UseGuards,
  UsePipes,
  type ArgumentsHost,
  type CanActivate,
  type ExecutionContext,
  type INestMicroservice,
  type PipeTransform,
  type RpcExceptionFilter,
} from '@nestjs/common';
import { Ctx, Payload, RpcException } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { throwError, type Observable } from 'rxjs';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, sleep, uniqueName, waitFor } from './support.js';

const retryQueue = uniqueName('retry');
const pipelineQueue = uniqueName('pipeline');
const dlq = uniqueName('retry-dlq');

const attempts = new Map<string, number[]>();
const handled: Array<{ amountInCents: number }> = [];
const filtered: Array<{ error: unknown; routingKey: string; retryCount: number }> = [];

/** Validates `{ amount: positive number }` and converts it to cents, as a ValidationPipe + transform would. */
@Injectable()
class AmountPipe implements PipeTransform<unknown, { amountInCents: number }> {
  transform(value: unknown): { amountInCents: number } {
    const amount = (value as { amount?: unknown } | null)?.amount;
    if (typeof amount !== 'number' || !(amount > 0)) throw new RpcException({ field: 'amount', problem: 'must be a positive number' });
    return { amountInCents: Math.round(amount * 100) };
  }
}

/** Lets through only messages that do not carry `x-blocked`. */
@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.switchToRpc().getContext<AmqpContext>();
    return ctx.headers['x-blocked'] === undefined;
  }
}

/** Records what failed, with the AMQP context, then lets the failure through (so the message is dead-lettered). */
@Catch()
class RecordingFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const ctx = host.switchToRpc().getContext<AmqpContext>();
    const error = exception instanceof RpcException ? exception.getError() : (exception as Error).message;
    filtered.push({ error, routingKey: ctx.fields.routingKey, retryCount: ctx.retryCount });
    return throwError(() => error);
  }
}

@Controller()
class PipelineController {
  @QueueConsumer(retryQueue, {
    durable: false,
    deadLetterExchange: '',
    deadLetterRoutingKey: dlq,
    retry: { attempts: 2, delay: 30, backoff: 2 },
  })
  onRetry(@Payload() data: { id: string; succeedOnAttempt?: number }, @Ctx() ctx: AmqpContext): void {
    const list = attempts.get(data.id) ?? [];
    list.push(ctx.retryCount);
    attempts.set(data.id, list);
    if (data.succeedOnAttempt === undefined || ctx.retryCount < data.succeedOnAttempt) throw new Error(`attempt ${ctx.retryCount} failed`);
  }

  @QueueConsumer(pipelineQueue, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: dlq })
  @UsePipes(AmountPipe)
  @UseGuards(HeaderGuard)
  @UseFilters(RecordingFilter)
  onPayment(@Payload() payment: { amountInCents: number }): void {
    handled.push(payment);
  }
}

let app: INestMicroservice;
let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(dlq, { durable: false });
  const moduleRef = await Test.createTestingModule({ controllers: [PipelineController], providers: [AmountPipe, HeaderGuard] }).compile();
  app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL] }) });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([retryQueue, pipelineQueue, dlq]);
  await admin?.close();
});

describe('retry', () => {
  it('retries a failing message `attempts` times with x-retry-count, then dead-letters it once', async () => {
    await admin.publish('', retryQueue, { id: 'poison' }, { messageId: 'poison-1', headers: { trace: 'abc' } });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the poison message in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(attempts.get('poison')).toEqual([0, 1, 2]);
    expect(dead!.properties.messageId).toBe('poison-1');
    expect(dead!.properties.headers).toMatchObject({ 'x-retry-count': 2, trace: 'abc', 'x-original-routing-key': retryQueue });
    // Nothing loops: no further attempt arrives, and the queue is empty.
    await sleep(200);
    expect(attempts.get('poison')).toEqual([0, 1, 2]);
    expect(await admin.messageCount(retryQueue)).toBe(0);
    expect(await admin.messageCount(dlq)).toBe(0);
  });

  it('acks a message that succeeds on a retry, and dead-letters nothing', async () => {
    await admin.publish('', retryQueue, { id: 'flaky', succeedOnAttempt: 1 });
    await waitFor(() => (attempts.get('flaky') ?? []).length === 2, 'the second attempt');
    await sleep(150);
    expect(attempts.get('flaky')).toEqual([0, 1]);
    expect(await admin.messageCount(retryQueue)).toBe(0);
    expect(await admin.messageCount(dlq)).toBe(0);
  });
});

describe('Nest pipeline on @QueueConsumer', () => {
  it('a pipe transforms a valid payload before the handler; the message is acked', async () => {
    await admin.publish('', pipelineQueue, { amount: 12.34 });
    await waitFor(() => handled.length === 1, 'the handled payment');
    expect(handled).toEqual([{ amountInCents: 1234 }]);
    await waitFor(async () => (await admin.messageCount(pipelineQueue)) === 0, 'the ack');
  });

  it('a pipe rejection reaches the exception filter with the AmqpContext, and the message is dead-lettered', async () => {
    await admin.publish('', pipelineQueue, { amount: -1 }, { messageId: 'bad-amount' });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the invalid payment in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(dead!.properties.messageId).toBe('bad-amount');
    expect(filtered).toContainEqual({ error: { field: 'amount', problem: 'must be a positive number' }, routingKey: pipelineQueue, retryCount: 0 });
    expect(handled).toHaveLength(1);
  });

  it('a guard that refuses raises through the filter; the message is dead-lettered, the handler never runs', async () => {
    await admin.publish('', pipelineQueue, { amount: 5 }, { messageId: 'blocked', headers: { 'x-blocked': 'yes' } });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the refused payment in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(dead!.properties.messageId).toBe('blocked');
    expect(filtered.map((entry) => entry.error)).toContain('Forbidden resource');
    expect(handled).toHaveLength(1);
  });
});
