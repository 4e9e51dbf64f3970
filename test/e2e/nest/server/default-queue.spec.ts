/**
 * ServerAMQP's default queue against the real broker, driven by a raw amqplib client that speaks
 * Nest's RMQ wire format: RPC success, RpcException, no-handler, object patterns, streamed replies,
 * events, and messages without the envelope routed by routing key or header with raw bodies.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { interval, type Observable } from 'rxjs';
import { map, take } from 'rxjs/operators';
import { randomUUID } from 'node:crypto';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { NO_MESSAGE_HANDLER } from '../../../../lib/transport/publish/nest-envelope.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const queue = uniqueName('rpc');
const exchange = uniqueName('rpc-ex');
const dlq = uniqueName('rpc-dlq');

interface Seen {
  pattern: string;
  data: unknown;
  routingKey: string;
  redelivered: boolean;
  contentType: string | undefined;
}
const seen: Seen[] = [];
function record(pattern: string, data: unknown, ctx: AmqpContext): void {
  seen.push({ pattern, data, routingKey: ctx.fields.routingKey, redelivered: ctx.redelivered, contentType: ctx.properties.contentType });
}

@Controller()
class RpcController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern({ cmd: 'double', v: 1 })
  async double(@Payload() n: number): Promise<number> {
    return n * 2;
  }

  @MessagePattern('fail')
  fail(): never {
    throw new RpcException({ code: 42, reason: 'refused' });
  }

  @MessagePattern('crash')
  crash(): never {
    throw new Error('internal detail that must not leak');
  }

  @MessagePattern('count')
  count(@Payload() n: number): Observable<number> {
    return interval(5).pipe(
      take(n),
      map((i) => i + 1),
    );
  }

  @EventPattern<string>('created')
  created(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    record('created', data, ctx);
  }

  @MessagePattern('whoami')
  whoami(@Ctx() ctx: AmqpContext): unknown {
    return { metadata: ctx.getMetadata() ?? null, pattern: ctx.getPattern(), replyTo: ctx.getMessage().properties.replyTo };
  }

  @EventPattern<string>('event.fails')
  eventFails(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    record('event.fails', data, ctx);
    throw new Error('event handler failed');
  }

  @EventPattern<string>('raw.text')
  rawText(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    record('raw.text', data, ctx);
  }

  @EventPattern<string>('raw.binary')
  rawBinary(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    record('raw.binary', data, ctx);
  }

  @EventPattern<string>('by.header')
  byHeader(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    record('by.header', data, ctx);
  }
}

let app: INestMicroservice;
let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  // Failed events and unhandled messages are dead-lettered here, so the test can see nothing was lost.
  await admin.channel.assertQueue(dlq, { durable: false });
  const moduleRef = await Test.createTestingModule({ controllers: [RpcController] }).compile();
  app = moduleRef.createNestMicroservice({
    strategy: new ServerAMQP({
      urls: [AMQP_URL],
      queue,
      queueOptions: { durable: false, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq } },
      exchange,
      exchangeType: 'topic',
      routingKey: ['raw.#', 'by.#', 'sum', 'unrouted.#'],
      patternHeader: 'x-pattern',
    }),
  });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([queue, dlq], [exchange]);
  await admin?.close();
});

function final(replies: Array<{ isDisposed?: boolean }>): unknown {
  return replies[replies.length - 1];
}

describe('ServerAMQP default queue (Nest RMQ wire format)', () => {
  it('answers a request with {response, isDisposed} to replyTo with the correlationId', async () => {
    const replies = await admin.request(queue, 'sum', [1, 2, 3]);
    expect(replies.filter((reply) => 'response' in reply).map((reply) => reply.response)).toEqual([6]);
    expect(final(replies)).toMatchObject({ isDisposed: true });
    await waitFor(async () => (await admin.messageCount(queue)) === 0, 'the request to be acked');
  });

  it('routes object patterns the way Nest normalizes them (key order does not matter)', async () => {
    const replies = await admin.request(queue, { v: 1, cmd: 'double' }, 21);
    expect(replies.find((reply) => 'response' in reply)?.response).toBe(42);
  });

  it('sends an RpcException payload as err, and hides a plain error behind Nest\'s generic message', async () => {
    const failed = await admin.request(queue, 'fail', null);
    expect(failed.find((reply) => reply.err !== undefined)?.err).toEqual({ code: 42, reason: 'refused' });
    const crashed = await admin.request(queue, 'crash', null);
    const err = crashed.find((reply) => reply.err !== undefined)?.err as { message: string };
    expect(err.message).toBe('Internal server error');
    expect(JSON.stringify(crashed)).not.toContain('internal detail');
  });

  it('hands the handler Nest 12 packet metadata and the AMQP message through the context', async () => {
    const id = randomUUID();
    await admin.publish('', queue, { pattern: 'whoami', data: null, id, metadata: { traceId: 't-1' } }, {
      replyTo: 'amq.rabbitmq.reply-to',
      correlationId: id,
    });
    const replies = await admin.awaitReplies(id);
    expect(replies.find((reply) => 'response' in reply)?.response).toEqual({
      metadata: { traceId: 't-1' },
      pattern: 'whoami',
      // The broker rewrites a direct reply-to address per channel.
      replyTo: expect.stringMatching(/^amq\.rabbitmq\.reply-to\./),
    });
  });

  it('streams an observable as several replies, the last one disposed', async () => {
    const replies = await admin.request(queue, 'count', 4);
    expect(replies.filter((reply) => 'response' in reply).map((reply) => reply.response)).toEqual([1, 2, 3, 4]);
    expect(final(replies)).toMatchObject({ isDisposed: true });
    expect(replies.filter((reply) => reply.isDisposed === true)).toHaveLength(1);
  });

  it('answers an unknown pattern with Nest\'s no-handler reply and dead-letters the request', async () => {
    const replies = await admin.request(queue, 'nobody.home', 1);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ err: NO_MESSAGE_HANDLER, isDisposed: true });
    expect(NO_MESSAGE_HANDLER).toBe('There is no matching message handler defined in the remote service.');
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the unhandled request in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toMatchObject({ pattern: 'nobody.home', data: 1 });
  });

  it('delivers {pattern, data} events and acks them; a failing event handler dead-letters the event', async () => {
    await admin.publish('', queue, { pattern: 'created', data: { id: 7 } });
    await waitFor(() => seen.some((s) => s.pattern === 'created'), 'the event');
    expect(seen.find((s) => s.pattern === 'created')?.data).toEqual({ id: 7 });

    await admin.publish('', queue, { pattern: 'event.fails', data: 'x' });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the failed event in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toEqual({ pattern: 'event.fails', data: 'x' });
    expect(seen.filter((s) => s.pattern === 'event.fails')).toHaveLength(1);
  });

  it('routes messages without the envelope by routing key, with text as a string and binary as a Buffer', async () => {
    await admin.publish(exchange, 'raw.text', 'plain words', { contentType: 'text/plain' });
    await admin.publish(exchange, 'raw.binary', Buffer.from([0, 1, 2, 255]), { contentType: 'application/octet-stream' });
    await waitFor(() => seen.some((s) => s.pattern === 'raw.text') && seen.some((s) => s.pattern === 'raw.binary'), 'raw messages');
    expect(seen.find((s) => s.pattern === 'raw.text')?.data).toBe('plain words');
    const binary = seen.find((s) => s.pattern === 'raw.binary')?.data;
    expect(Buffer.isBuffer(binary)).toBe(true);
    expect([...(binary as Buffer)]).toEqual([0, 1, 2, 255]);
  });

  it('takes the pattern from the chosen header when present, and keeps an unparseable JSON body raw', async () => {
    await admin.publish(exchange, 'unrouted.key', '{not json', { headers: { 'x-pattern': 'by.header' } });
    await waitFor(() => seen.some((s) => s.pattern === 'by.header'), 'the message routed by header');
    const data = seen.find((s) => s.pattern === 'by.header')?.data;
    expect(Buffer.isBuffer(data)).toBe(true);
    expect((data as Buffer).toString()).toBe('{not json');
  });

  it('answers another producer\'s request (no envelope, replyTo set) by routing key', async () => {
    const correlationId = randomUUID();
    await admin.publishRequest(exchange, 'sum', [4, 5], correlationId, { contentType: 'application/json' });
    const replies = await admin.awaitReplies(correlationId);
    expect(replies.find((reply) => 'response' in reply)?.response).toBe(9);
  });

  it('drops nothing quietly: an event nobody handles is dead-lettered', async () => {
    await admin.publish(exchange, 'unrouted.nobody', { x: 1 });
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the unhandled event in the DLQ');
    const [dead] = await admin.drain(dlq);
    expect(JSON.parse(dead!.content.toString())).toEqual({ x: 1 });
    const death = (dead!.properties.headers?.['x-death'] as Array<{ reason: string; 'routing-keys': string[] }>)[0];
    expect(death).toMatchObject({ reason: 'rejected', 'routing-keys': ['unrouted.nobody'] });
  });
});
