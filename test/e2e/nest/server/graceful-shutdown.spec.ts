/**
 * close() with work in flight: 200 messages being handled when the app closes. Every one finishes,
 * is acked once, and nothing is left to be redelivered. A handler that outlives `shutdownTimeout`
 * gets its message back in the queue instead of losing it.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, listQueues, sleep, uniqueName, waitFor } from './support.js';

const queue = uniqueName('shutdown');
const slowQueue = uniqueName('shutdown-slow');
const COUNT = 200;

const started = new Map<number, number>();
const finished = new Map<number, number>();
const redelivered: number[] = [];
let releaseSlow: () => void = () => undefined;
const slowStarted: number[] = [];

@Controller()
class ShutdownController {
  @QueueConsumer(queue, { durable: false, prefetch: COUNT })
  async onMessage(@Payload() data: { n: number }, @Ctx() ctx: AmqpContext): Promise<void> {
    started.set(data.n, (started.get(data.n) ?? 0) + 1);
    if (ctx.redelivered) redelivered.push(data.n);
    // Spread completions over ~300 ms so close() lands while most are still running.
    await sleep(50 + (data.n % 25) * 10);
    finished.set(data.n, (finished.get(data.n) ?? 0) + 1);
  }
}

@Controller()
class StuckController {
  @QueueConsumer(slowQueue, { durable: false, prefetch: 10 })
  async onSlow(@Payload() data: { n: number }): Promise<void> {
    slowStarted.push(data.n);
    await new Promise<void>((resolve) => (releaseSlow = resolve));
  }
}

let admin: Admin | undefined;

afterAll(async () => {
  releaseSlow();
  await admin?.cleanup([queue, slowQueue]);
  await admin?.close();
});

async function startApp(controller: new () => unknown, options: { shutdownTimeout?: number } = {}): Promise<INestMicroservice> {
  const moduleRef = await Test.createTestingModule({ controllers: [controller] }).compile();
  const app = moduleRef.createNestMicroservice({ strategy: new ServerAMQP({ urls: [AMQP_URL], ...options }) });
  app.useLogger(false);
  await app.listen();
  return app;
}

describe('graceful shutdown', () => {
  it('with 200 in-flight messages: all finish, each acked once, none lost or redelivered', async () => {
    admin = await Admin.open();
    await admin.channel.assertQueue(queue, { durable: false });
    const app = await startApp(ShutdownController);
    for (let n = 0; n < COUNT; n += 1) admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })), { messageId: `m-${n}` });
    await admin.channel.waitForConfirms();
    await waitFor(() => started.size === COUNT, 'all 200 handlers to start');
    expect(finished.size).toBeLessThan(COUNT);

    await app.close();

    // close() returned only after every handler finished and its ack went out.
    expect(finished.size).toBe(COUNT);
    expect([...finished.values()].every((times) => times === 1)).toBe(true);
    expect([...started.values()].every((times) => times === 1)).toBe(true);
    expect(redelivered).toEqual([]);
    const info = (await listQueues([queue])).get(queue)!;
    expect({ ready: info.messages_ready, unacked: info.messages_unacknowledged, consumers: info.consumers }).toEqual({
      ready: 0,
      unacked: 0,
      consumers: 0,
    });
  });

  it('a handler still running after shutdownTimeout: its message returns to the queue (redelivered later, not lost)', async () => {
    admin ??= await Admin.open();
    await admin.channel.assertQueue(slowQueue, { durable: false });
    const app = await startApp(StuckController, { shutdownTimeout: 200 });
    await admin.publish('', slowQueue, { n: 1 });
    await waitFor(() => slowStarted.length === 1, 'the stuck handler to start');
    // close() gives up on the stuck handler after shutdownTimeout instead of hanging.
    await app.close();
    expect(slowStarted).toEqual([1]);
    await waitFor(async () => (await admin!.messageCount(slowQueue)) === 1, 'the unfinished message back in the queue');
    const [back] = await admin.drain(slowQueue);
    expect(JSON.parse(back!.content.toString())).toEqual({ n: 1 });
    expect(back!.fields.redelivered).toBe(true);
  });
});
