/**
 * Retries on the broker (`retry.via: 'broker'`): a prefetch-1 consumer whose one message fails is
 * retried through its retry queue with a 6 s TTL. Meanwhile the consumer handles 50 other messages
 * (the waiting copy holds no prefetch slot); the app is closed and started again in between, and the
 * retried message still arrives, after its delay, with its count. The same on a classic and on a
 * quorum queue (whose retry copies go through a retry queue as well, not the broker's requeue).
 *
 * The delay is what the 50 others and the restart must fit in: quiet, they take well under a second;
 * CI runs this suite on three brokers at once on two cores, where 50 one-at-a-time round trips took
 * over 2 s and the retried copy came back before the restart (a delay of 2 s failed there).
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice, type Type } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { Admin, waitFor } from '../server/support.js';
import { consumeName, startApp } from './support.js';

type QueueType = 'classic' | 'quorum';

/** The retry delay (the retry queue's TTL). */
const DELAY = 6000;

/** A prefetch-1 consumer of a fresh queue of `type` whose message 'retry-me' fails on its first delivery. */
function retryConsumer(type: QueueType) {
  const queue = consumeName(`broker-retry-${type}`);
  const seen: Array<{ id: string; count: unknown; at: number }> = [];

  @Controller()
  class RetryController {
    @QueueConsumer(queue, { durable: true, queueType: type, prefetch: 1, retry: { attempts: 2, delay: DELAY, via: 'broker', jitter: 0 } })
    onMessage(@Payload() data: { id: string }, @Ctx() ctx: AmqpContext): void {
      seen.push({ id: data.id, count: ctx.headers['x-retry-count'], at: Date.now() });
      if (data.id === 'retry-me' && ctx.headers['x-retry-count'] === undefined) throw new Error('fails on its first delivery');
    }
  }
  return { queue, retryQueue: `${queue}.retry.${DELAY}`, seen, controller: RetryController as Type };
}

describe.each<QueueType>(['classic', 'quorum'])("retry.via: 'broker' on a %s queue", (type) => {
  const { queue, retryQueue, seen, controller } = retryConsumer(type);
  let app: INestMicroservice | undefined;
  let admin: Admin | undefined;

  afterAll(async () => {
    await app?.close();
    await admin?.cleanup([queue, retryQueue, `${queue}.dlq`]);
    await admin?.close();
  });

  it('a prefetch-1 consumer handles 50 messages while one waits 6 s on the broker, across a restart', async () => {
    admin = await Admin.open();
    ({ app } = await startApp([controller]));
    await admin.publish('', queue, { id: 'retry-me' });
    const failedAt = Date.now();
    // The failed message waits on the broker, in the retry queue (checked within its TTL).
    await waitFor(async () => (await admin?.messageCount(retryQueue)) === 1, 'the failed message in the retry queue', DELAY - 1000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => admin?.publish('', queue, { id: `other-${i}` })));
    await waitFor(() => seen.filter((entry) => entry.id.startsWith('other-')).length === 50, '50 other messages', 20_000);
    const othersDoneIn = Date.now() - failedAt;
    // Only the first delivery so far: the copy waits out its delay (a second entry here, with its
    // count and time, says whether it came back early or the original was delivered again).
    expect(seen.filter((entry) => entry.id === 'retry-me').map(({ count, at }) => ({ count, after: at - failedAt }))).toEqual([
      { count: undefined, after: expect.any(Number) },
    ]);
    expect(othersDoneIn).toBeLessThan(DELAY);

    await app.close();
    ({ app } = await startApp([controller]));
    await waitFor(() => seen.filter((entry) => entry.id === 'retry-me').length === 2, 'the retried message after the restart', 20_000);
    const retried = seen.filter((entry) => entry.id === 'retry-me')[1];
    expect(retried?.count).toBe(1);
    const waited = (retried?.at ?? 0) - failedAt;
    expect(waited).toBeGreaterThanOrEqual(DELAY - 100);
    expect(await admin.messageCount(queue)).toBe(0);
    expect(await admin.messageCount(`${queue}.dlq`)).toBe(0);
    console.log(`broker retry (${type}): 50 others handled in ${othersDoneIn} ms while the failed one waited; it came back after ${waited} ms, across a restart`);
  }, 60_000);
});
