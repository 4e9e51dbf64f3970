/**
 * Consumers that heal: when the broker ends a consumer (its queue deleted: a cancel notification; a
 * 406 closing its channel: an unknown delivery tag acked; a 404 on the passive re-declare of a queue
 * that is gone) it is restarted with backoff, its topology declared again, and the next message is
 * handled; the registry shows it 'healing', then 'consuming'. After its attempts run out it stays
 * down with one ERROR naming the cause, and resume() starts it again. The faults that need the broker
 * changed (consumer_timeout, a forced connection close) are in test/faults/consumer-healing.faults.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpConsumerRegistry, type AmqpConsumerInfo } from '../../../../lib/transport/module/amqp-consumer.registry.js';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';
import { Admin, waitFor } from '../server/support.js';
import { consumeName, startApp, type RecordingLogger } from './support.js';

const q = {
  deleted: consumeName('heal-deleted'),
  closed: consumeName('heal-406'),
  passive: consumeName('heal-404'),
  givesUp: consumeName('heal-gives-up'),
};
const quick = { attempts: 6, initialDelay: 200, maxDelay: 800 };
const handled: string[] = [];

@Controller()
class HealingController {
  @QueueConsumer(q.deleted, { durable: false, deadLetterQueue: false, healing: quick })
  onDeleted(@Payload() data: { id: string }): void {
    handled.push(`deleted:${data.id}`);
  }

  @QueueConsumer(q.closed, { durable: false, deadLetterQueue: false, ack: 'manual', healing: quick })
  onClosed(@Payload() data: { id: string }, @Ctx() ctx: AmqpContext): void {
    handled.push(`closed:${data.id}`);
    ctx.ack();
    // The same tag acked twice: the broker closes the channel with 406 (unknown delivery tag).
    if (data.id === 'bad-ack') ctx.getChannelRef().basicAck(ctx.getMessage().fields.deliveryTag);
  }

  @QueueConsumer(q.passive, { passive: true, deadLetterQueue: false, healing: { attempts: 20, initialDelay: 200, maxDelay: 400 } })
  onPassive(@Payload() data: { id: string }): void {
    handled.push(`passive:${data.id}`);
  }

  @QueueConsumer(q.givesUp, { passive: true, deadLetterQueue: false, healing: { attempts: 2, initialDelay: 100, maxDelay: 100 } })
  onGivesUp(@Payload() data: { id: string }): void {
    handled.push(`gives-up:${data.id}`);
  }
}

describe('consumers that heal', () => {
  let app: INestMicroservice;
  let logger: RecordingLogger;
  let admin: Admin;
  let registry: AmqpConsumerRegistry;
  const info = (queue: string): AmqpConsumerInfo | undefined => registry.list().find((consumer) => consumer.queue === queue);

  beforeAll(async () => {
    admin = await Admin.open();
    await admin.channel.assertQueue(q.passive, { durable: false });
    await admin.channel.assertQueue(q.givesUp, { durable: false });
    ({ app, logger } = await startApp([HealingController]));
    registry = app.get(AmqpConsumerRegistry);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await admin?.cleanup(Object.values(q));
    await admin?.close();
  });

  it('its queue deleted: restarted with the queue declared again, the next message handled', async () => {
    const started = Date.now();
    await admin.channel.deleteQueue(q.deleted);
    await waitFor(() => info(q.deleted)?.state === 'healing', 'healing', 5000);
    await waitFor(() => info(q.deleted)?.state === 'consuming', 'consuming again', 10_000);
    console.log(`queue deleted: consuming again after ${Date.now() - started} ms`);
    await admin.publish('', q.deleted, { id: 'after' });
    await waitFor(() => handled.includes('deleted:after'), 'the next message', 10_000);
  }, 30_000);

  it('a 406 closing its channel: restarted, the next message handled', async () => {
    await admin.publish('', q.closed, { id: 'bad-ack' });
    await waitFor(() => info(q.closed)?.state === 'healing', 'healing after the 406', 10_000);
    expect(info(q.closed)?.cause).toContain('406');
    await waitFor(() => info(q.closed)?.state === 'consuming', 'consuming again', 10_000);
    await admin.publish('', q.closed, { id: 'good' });
    await waitFor(() => handled.includes('closed:good'), 'the next message', 10_000);
  }, 40_000);

  it('a 404 on the passive re-declare: retried with backoff until the queue is back', async () => {
    await admin.channel.deleteQueue(q.passive);
    await waitFor(() => (info(q.passive)?.healingAttempt ?? 0) >= 2, 'two restart attempts', 10_000);
    expect(info(q.passive)?.cause).toContain('404');
    const health = app.get(AmqpHealthIndicator);
    // Terminus knows up and down only: healing reads up with degraded: true and the consumer named, or down when asked.
    expect((await health.isHealthy('amqp')).amqp).toMatchObject({
      status: 'up',
      degraded: true,
      healing: [expect.stringContaining(q.passive)],
      message: expect.stringMatching(/^degraded: .*1 of \d+ consumers healing/),
    });
    expect((await health.isHealthy('amqp', { healing: 'down' })).amqp).toMatchObject({ status: 'down', degraded: true });
    await admin.channel.assertQueue(q.passive, { durable: false });
    await waitFor(() => info(q.passive)?.state === 'consuming', 'consuming again', 10_000);
    const back = (await health.isHealthy('amqp')).amqp;
    expect(back.status).toBe('up');
    expect(back.degraded).toBeUndefined();
    await admin.publish('', q.passive, { id: 'back' });
    await waitFor(() => handled.includes('passive:back'), 'the next message', 10_000);
  }, 30_000);

  it('out of attempts: down with one ERROR naming the cause; resume() starts it again', async () => {
    await admin.channel.deleteQueue(q.givesUp);
    await waitFor(() => info(q.givesUp)?.state === 'stopped', 'down for good', 10_000);
    const errors = logger.find('error', 'stays down after 2 restart attempt(s)');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('404');
    await admin.channel.assertQueue(q.givesUp, { durable: false });
    await registry.resume(info(q.givesUp)?.name ?? '');
    expect(info(q.givesUp)?.state).toBe('consuming');
    await admin.publish('', q.givesUp, { id: 'resumed' });
    await waitFor(() => handled.includes('gives-up:resumed'), 'the next message', 10_000);
  }, 30_000);
});
