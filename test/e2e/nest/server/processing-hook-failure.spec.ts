/**
 * A processing start hook (Nest 12's `setOnProcessingStartHook`, e.g. a tracer) that rejects before
 * it runs the handler: the message must not sit unacked for the life of the channel, nor surface as
 * an unhandled rejection. It is nacked without requeue (dead-lettered here) and logged by identity,
 * for a @QueueConsumer as for a request on the default queue.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice, type LoggerService } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, listQueues, uniqueName, waitFor } from './support.js';

const workQueue = uniqueName('hook-work');
const rpcQueue = uniqueName('hook-rpc');
const deadQueue = uniqueName('hook-dead');
const dlx = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': deadQueue };
let handled = 0;

@Controller()
class HookController {
  @QueueConsumer(workQueue, { durable: false, arguments: dlx })
  onWork(): void {
    handled += 1;
  }

  @MessagePattern('ping')
  ping(@Payload() value: unknown): unknown {
    handled += 1;
    return value;
  }
}

let app: INestMicroservice;
let admin: Admin;
const logged: string[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (error: unknown): void => {
  unhandled.push(error);
};
const logger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => void logged.push(String(message)),
  error: (message: unknown) => void logged.push(String(message)),
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  admin = await Admin.open();
  await admin.channel.assertQueue(deadQueue, { durable: false });
  const moduleRef = await Test.createTestingModule({ controllers: [HookController] }).compile();
  const server = new ServerAMQP({ urls: [AMQP_URL], queue: rpcQueue, queueOptions: { durable: false, arguments: dlx } });
  server.setOnProcessingStartHook(async () => {
    await Promise.resolve();
    throw new Error('tracer unavailable');
  });
  app = moduleRef.createNestMicroservice({ strategy: server, logger });
  await app.listen();
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await app?.close();
  await admin?.cleanup([workQueue, rpcQueue, deadQueue]);
  await admin?.close();
});

describe('a processing start hook that rejects', () => {
  it('dead-letters the @QueueConsumer message and the request, logs them, and leaves nothing unacked', async () => {
    await admin.publish('', workQueue, { n: 1 }, { messageId: 'work-1' });
    await admin.publishRequest('', rpcQueue, { pattern: 'ping', data: 1, id: 'req-1' }, 'corr-1', { messageId: 'req-1' });
    await waitFor(async () => (await admin.messageCount(deadQueue)) === 2, 'both messages dead-lettered');
    const queues = await listQueues([workQueue, rpcQueue]);
    expect(queues.get(workQueue)).toMatchObject({ messages_ready: 0, messages_unacknowledged: 0 });
    expect(queues.get(rpcQueue)).toMatchObject({ messages_ready: 0, messages_unacknowledged: 0 });
    expect(handled).toBe(0);
    expect(logged.some((line) => line.includes('messageId "work-1"') && line.includes('tracer unavailable'))).toBe(true);
    expect(logged.some((line) => line.includes('messageId "req-1"') && line.includes('tracer unavailable'))).toBe(true);
    expect(unhandled).toEqual([]);
  });
});
