/**
 * RPC on any queue: a @QueueConsumer's return value answers a message carrying replyTo, whoever
 * sent it. An amqplib client calls a named queue and a topic exchange (routing-key wildcard) and the
 * reply's properties and bytes are checked; AmqpPublisher.request is the client for 200 concurrent
 * calls with caller-chosen correlation ids and headers; a failure comes back as an error reply.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import { ErrorReplyError } from '../../../../lib/transport/core/error-reply.error.js';
import { Admin, waitFor } from '../server/support.js';
import { AMQP_URL, consumeName, startApp, type RecordingLogger } from './support.js';

const rpcQueue = consumeName('rpc');
const topicQueue = consumeName('rpc-topic');
const topic = consumeName('rpc-exchange');

@Controller()
class RpcController {
  @QueueConsumer(rpcQueue, { durable: false, prefetch: 50 })
  double(
    @Payload() data: { n: number; fail?: boolean },
    @Ctx() ctx: AmqpContext,
  ): { doubled: number; correlationId?: string; caller?: unknown } {
    if (data.fail === true) throw new Error(`cannot double ${data.n}`);
    return {
      doubled: data.n * 2,
      correlationId: ctx.properties.correlationId,
      caller: ctx.headers['x-caller'],
    };
  }

  @QueueConsumer(topicQueue, {
    durable: false,
    exchange: { name: topic, type: 'topic', durable: false },
    routingKeys: 'math.*',
  })
  async math(@Payload() data: number[], @Ctx() ctx: AmqpContext): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return `${ctx.fields.routingKey}=${data.reduce((a, b) => a + b, 0)}`;
  }
}

let app: INestMicroservice;
let logger: RecordingLogger;
let admin: Admin;
let raw: amqplib.ChannelModel;
let rawChannel: amqplib.Channel;
const rawReplies = new Map<string, amqplib.ConsumeMessage>();

beforeAll(async () => {
  ({ app, logger } = await startApp([RpcController]));
  admin = await Admin.open();
  raw = await amqplib.connect(AMQP_URL);
  rawChannel = await raw.createChannel();
  await rawChannel.consume(
    'amq.rabbitmq.reply-to',
    (message) => {
      if (message !== null) rawReplies.set(message.properties.correlationId as string, message);
    },
    { noAck: true },
  );
}, 30_000);

afterAll(async () => {
  await raw?.close().catch(() => undefined);
  await app?.close();
  await admin?.cleanup([rpcQueue, topicQueue], [topic]);
  await admin?.close();
});

async function rawCall(exchange: string, routingKey: string, body: unknown): Promise<amqplib.ConsumeMessage> {
  const correlationId = `amqplib-${randomUUID()}`;
  rawChannel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
    replyTo: 'amq.rabbitmq.reply-to',
    correlationId,
    contentType: 'application/json',
    headers: { 'x-caller': 'amqplib' },
  });
  await waitFor(() => rawReplies.has(correlationId), `the reply to ${correlationId}`, 10_000);
  return rawReplies.get(correlationId) as amqplib.ConsumeMessage;
}

describe('@QueueConsumer RPC', () => {
  it('answers an amqplib request on a named queue: correlation id copied, content type, x-reply-status, exact bytes', async () => {
    const reply = await rawCall('', rpcQueue, { n: 21 });
    const request = [...rawReplies.keys()].at(-1) as string;
    expect(reply.properties.correlationId).toBe(request);
    expect(reply.properties.contentType).toBe('application/json');
    expect(reply.properties.headers).toEqual({ 'x-reply-status': 'ok' });
    expect(
      reply.content.equals(
        Buffer.from(JSON.stringify({ doubled: 42, correlationId: request, caller: 'amqplib' })),
      ),
    ).toBe(true);
  });

  it('answers through a topic exchange bound with a wildcard', async () => {
    const reply = await rawCall(topic, 'math.sum', [1, 2, 3]);
    expect(reply.properties.contentType).toBe('application/json');
    expect(reply.properties.headers).toEqual({ 'x-reply-status': 'ok' });
    expect(reply.content.toString()).toBe(JSON.stringify('math.sum=6'));
  });

  it('answers a failure with an error reply and dead-letters the request', async () => {
    const reply = await rawCall('', rpcQueue, { n: 1, fail: true });
    expect(reply.properties.contentType).toBe('application/json');
    expect(reply.properties.headers).toEqual({ 'x-reply-status': 'error' });
    const body = JSON.parse(reply.content.toString()) as { error: { message: string } };
    // Nest's exception filters hide an unknown error from callers; an RpcException's payload is sent as is.
    expect(body.error).toEqual({ status: 'error', message: 'Internal server error' });
    await waitFor(
      async () => (await admin.messageCount(`${rpcQueue}.dlq`)) === 1,
      'the failed request in the dead-letter queue',
      10_000,
    );
    expect(logger.fates(`moved to dead-letter queue "${rpcQueue}.dlq"`)).toHaveLength(1);
  });

  it('AmqpPublisher.request: 200 concurrent calls, each answered with its own correlation id and headers', async () => {
    const publisher = app.get(AmqpPublisher);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        publisher.request<{ doubled: number; correlationId: string; caller: string }>(
          '',
          rpcQueue,
          { n },
          {
            correlationId: `caller-${n}`,
            headers: { 'x-caller': `c${n}` },
            expiration: 10_000,
            timeout: 10_000,
          },
        ),
      ),
    );
    const elapsed = Date.now() - started;
    replies.forEach((reply, n) =>
      expect(reply).toEqual({ doubled: n * 2, correlationId: `caller-${n}`, caller: `c${n}` }),
    );
    // Without a correlation id of the caller's, one is generated (and is not another call's).
    const generated = await publisher.request<{ correlationId: string }>('', rpcQueue, { n: 5 });
    expect(generated.correlationId).not.toMatch(/^caller-/);
    console.log(`200 concurrent AmqpPublisher.request calls answered in ${elapsed} ms`);
  });

  it('AmqpPublisher.request rejects with ErrorReplyError on an error reply, and refuses a correlation id in flight', async () => {
    const publisher = app.get(AmqpPublisher);
    const failing = publisher.request('', rpcQueue, { n: 3, fail: true }, { correlationId: 'same-id' });
    await expect(publisher.request('', rpcQueue, { n: 4 }, { correlationId: 'same-id' })).rejects.toThrow(
      'already used by a request',
    );
    const error = await failing.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ErrorReplyError);
    expect((error as ErrorReplyError).code).toBe('ERR_AMQP_ERROR_REPLY');
    expect((error as ErrorReplyError).correlationId).toBe('same-id');
  });
});
