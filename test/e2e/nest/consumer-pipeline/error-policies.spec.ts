/**
 * Error policies per consumer, and no quiet drop: what ends where (queue, dead-letter queue, acked)
 * for each policy, counted by the broker (rabbitmqctl list_queues); the redelivery guard on a classic
 * queue (our x-redelivery-count) and on a quorum queue (the broker's x-delivery-count); and a queue
 * without a dead-letter exchange, including the server's default queue, keeping what failed in its
 * dead-letter queue with one start-up warning naming the queue and the policy.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { Admin, listQueues, sleep, waitFor } from '../server/support.js';
import { consumeName, startApp, type RecordingLogger } from './support.js';

const q = {
  dlx: consumeName('dlx'),
  dlxTarget: consumeName('dlx-target'),
  noDlx: consumeName('nodlx'),
  requeue: consumeName('requeue'),
  quorum: consumeName('quorum'),
  quorumLimit: consumeName('quorum-limit'),
  ack: consumeName('ack'),
  fn: consumeName('fn'),
  optOut: consumeName('optout'),
  defaultQueue: consumeName('default'),
};
const calls = new Map<string, number>();
const count = (key: string): number => calls.get(key) ?? 0;
const seen = (key: string): void => {
  calls.set(key, count(key) + 1);
};

@Controller()
class PolicyController {
  @QueueConsumer(q.dlx, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: q.dlxTarget })
  onDlx(@Payload() data: { id: string }): void {
    seen(`dlx:${data.id}`);
    throw new Error('dlx failure');
  }

  @QueueConsumer(q.noDlx, { durable: false })
  onNoDlx(@Payload() data: { id: string }): void {
    seen(`nodlx:${data.id}`);
    throw new Error('no-dlx failure');
  }

  @QueueConsumer(q.requeue, { durable: false, onError: 'requeue', maxRedeliveries: 3 })
  onRequeue(@Payload() data: { id: string }): void {
    seen(`requeue:${data.id}`);
    throw new Error('always fails');
  }

  @QueueConsumer(q.quorum, { queueType: 'quorum', onError: 'requeue', maxRedeliveries: 2 })
  onQuorum(@Payload() data: { id: string }, @Ctx() ctx: AmqpContext): void {
    seen(`quorum:${data.id}`);
    seen(`quorum-count:${String(ctx.headers['x-delivery-count'] ?? 0)}`);
    throw new Error('always fails (quorum)');
  }

  // Above RabbitMQ 4's default delivery limit (20), which would drop the message first: declared to match.
  @QueueConsumer(q.quorumLimit, { queueType: 'quorum', onError: 'requeue', maxRedeliveries: 22, arguments: { 'x-delivery-limit': 22 } })
  onQuorumLimit(@Payload() data: { id: string }): void {
    seen(`quorum-limit:${data.id}`);
    throw new Error('always fails (quorum, 22 redeliveries)');
  }

  @QueueConsumer(q.ack, { durable: false, onError: 'ack' })
  onAck(@Payload() data: { id: string }): void {
    seen(`ack:${data.id}`);
    throw new Error('ignored failure');
  }

  @QueueConsumer(q.fn, {
    durable: false,
    onError: (error: unknown) => {
      const text = (error as Error).message;
      return text === 'ignore' ? 'ack' : text === 'transient' ? 'requeue' : 'dead-letter';
    },
  })
  onFn(@Payload() data: { id: string; error: string }, @Ctx() ctx: AmqpContext): void {
    seen(`fn:${data.id}`);
    // 'transient' fails on its first delivery only.
    if (data.error === 'transient' && ctx.headers['x-redelivery-count'] !== undefined) return;
    throw new Error(data.error);
  }

  @QueueConsumer(q.optOut, { durable: false, deadLetterQueue: false })
  onOptOut(@Payload() data: { id: string }): void {
    seen(`optout:${data.id}`);
    throw new Error('dropped on purpose');
  }

  @EventPattern('consume.fails')
  onDefaultEvent(@Payload() _data: unknown): void {
    seen('default-event');
    throw new Error('event handler failure');
  }
}

let app: INestMicroservice;
let logger: RecordingLogger;
let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(q.dlxTarget, { durable: false });
  ({ app, logger } = await startApp([PolicyController], {
    queue: q.defaultQueue,
    queueOptions: { durable: false },
  }));
}, 30_000);

afterAll(async () => {
  await app?.close();
  await admin?.cleanup(Object.values(q));
  await admin?.close();
});

/** Ready + unacked messages of some queues, as the broker counts them. */
async function depth(...names: string[]): Promise<number[]> {
  const info = await listQueues(names);
  return names.map((name) => {
    const row = info.get(name);
    return row === undefined ? -1 : row.messages_ready + row.messages_unacknowledged;
  });
}

describe('error policies', () => {
  it('warns once at start-up for every queue without a dead-letter exchange, naming it and its policy', () => {
    const warnings = logger.lines.filter(
      (line) => line.level === 'warn' && line.text.includes('has no dead-letter exchange'),
    );
    const of = (queue: string): string[] =>
      warnings.filter((line) => line.text.includes(`queue "${queue}"`)).map((line) => line.text);
    expect(of(q.noDlx)).toEqual([
      expect.stringContaining(
        `onError: 'dead-letter' (default); failed messages are moved to dead-letter queue "${q.noDlx}.dlq"`,
      ),
    ]);
    expect(of(q.requeue)).toEqual([expect.stringContaining("onError: 'requeue'")]);
    expect(of(q.fn)).toEqual([expect.stringContaining('onError: a function')]);
    expect(of(q.optOut)).toEqual([expect.stringContaining('DROPPED unless a broker policy gives it a DLX')]);
    expect(of(q.defaultQueue)).toEqual([
      expect.stringContaining(`moved to dead-letter queue "${q.defaultQueue}.dlq"`),
    ]);
    expect(of(q.dlx)).toEqual([]);
  });

  it("'dead-letter' with a DLX: nacked, the broker dead-letters it", async () => {
    await admin.publish('', q.dlx, { id: 'a' });
    await waitFor(async () => (await depth(q.dlxTarget))[0] === 1, 'the message in the DLX target', 10_000);
    expect(await depth(q.dlx, q.dlxTarget)).toEqual([0, 1]);
    expect(count('dlx:a')).toBe(1);
    expect(logger.fates("dead-lettered through the queue's DLX (the default exchange)")).toHaveLength(1);
  });

  it("'dead-letter' without a DLX (the default): moved to <queue>.dlq with where it failed and why, never dropped", async () => {
    await admin.publish('', q.noDlx, { id: 'b' }, { messageId: 'm-b' });
    await waitFor(
      async () => (await depth(`${q.noDlx}.dlq`))[0] === 1,
      'the message in the dead-letter queue',
      10_000,
    );
    expect(await depth(q.noDlx, `${q.noDlx}.dlq`)).toEqual([0, 1]);
    const [parked] = await admin.drain(`${q.noDlx}.dlq`);
    expect(JSON.parse(parked?.content.toString() ?? '')).toEqual({ id: 'b' });
    expect(parked?.properties.messageId).toBe('m-b');
    expect(parked?.properties.headers).toMatchObject({
      'x-failed-queue': q.noDlx,
      'x-failure-reason': 'handler failed: no-dlx failure',
      'x-exception-class': 'Error',
      'x-exception-message': 'no-dlx failure',
    });
    expect(logger.fates(`messageId "m-b"`)).toEqual([
      expect.stringContaining(`moved to dead-letter queue "${q.noDlx}.dlq"`),
    ]);
  });

  it("'requeue' on a classic queue: 3 redeliveries counted in x-redelivery-count, then dead-lettered", async () => {
    await admin.publish('', q.requeue, { id: 'c' });
    await waitFor(
      async () => (await depth(`${q.requeue}.dlq`))[0] === 1,
      'the message dead-lettered after its redeliveries',
      10_000,
    );
    expect(count('requeue:c')).toBe(4);
    expect(await depth(q.requeue, `${q.requeue}.dlq`)).toEqual([0, 1]);
    const [parked] = await admin.drain(`${q.requeue}.dlq`);
    expect(parked?.properties.headers?.['x-redelivery-count']).toBe(3);
    expect(logger.fates('requeued at the tail').length).toBe(3);
    expect(logger.fates('redelivered 3 times (maxRedeliveries 3); moved to dead-letter queue')).toHaveLength(
      1,
    );
  });

  it("'requeue' on a quorum queue: basic.nack requeue, the broker's x-delivery-count bounds it (2), then dead-lettered", async () => {
    await admin.publish('', q.quorum, { id: 'd' });
    await waitFor(
      async () => (await depth(`${q.quorum}.dlq`))[0] === 1,
      'the quorum message dead-lettered',
      15_000,
    );
    expect(count('quorum:d')).toBe(3);
    expect([count('quorum-count:0'), count('quorum-count:1'), count('quorum-count:2')]).toEqual([1, 1, 1]);
    expect(await depth(q.quorum, `${q.quorum}.dlq`)).toEqual([0, 1]);
    expect(logger.fates('counted by the broker in x-delivery-count')).toHaveLength(2);
  });

  it("'requeue' on a quorum queue past RabbitMQ 4's default delivery limit: 22 redeliveries with x-delivery-limit 22, then our dead-letter queue", async () => {
    await admin.publish('', q.quorumLimit, { id: 'l' });
    await waitFor(
      async () => (await depth(`${q.quorumLimit}.dlq`))[0] === 1,
      'the quorum message dead-lettered after 22 redeliveries',
      60_000,
    );
    expect(count('quorum-limit:l')).toBe(23);
    // The original is acked once its copy is confirmed: on a loaded broker the quorum queue may still count it as unacked for a moment.
    await waitFor(async () => (await depth(q.quorumLimit))[0] === 0, 'the original acked', 10_000);
    expect(await depth(q.quorumLimit, `${q.quorumLimit}.dlq`)).toEqual([0, 1]);
  }, 90_000);

  it("'ack': acked and logged, nothing left anywhere", async () => {
    await admin.publish('', q.ack, { id: 'e' });
    await waitFor(
      () => logger.fates("acked and discarded (onError: 'ack')").length === 1,
      'the ack log line',
      10_000,
    );
    await sleep(200);
    expect(await depth(q.ack, `${q.ack}.dlq`)).toEqual([0, 0]);
  });

  it('a function decides per error: ack, requeue (then handled), dead-letter', async () => {
    await admin.publish('', q.fn, { id: 'f1', error: 'ignore' });
    await admin.publish('', q.fn, { id: 'f2', error: 'transient' });
    await admin.publish('', q.fn, { id: 'f3', error: 'fatal' });
    await waitFor(async () => (await depth(`${q.fn}.dlq`))[0] === 1, 'the fatal one dead-lettered', 10_000);
    await waitFor(() => count('fn:f2') === 2, 'the transient one handled on its redelivery', 10_000);
    await sleep(200);
    expect([count('fn:f1'), count('fn:f2'), count('fn:f3')]).toEqual([1, 2, 1]);
    expect(await depth(q.fn, `${q.fn}.dlq`)).toEqual([0, 1]);
    const [parked] = await admin.drain(`${q.fn}.dlq`);
    expect(JSON.parse(parked?.content.toString() ?? '')).toEqual({ id: 'f3', error: 'fatal' });
  });

  it('deadLetterQueue: false is the explicit opt-in to a drop, and its log line says so', async () => {
    await admin.publish('', q.optOut, { id: 'g' });
    await waitFor(
      () => logger.fates('DROPPED unless a broker policy').length === 1,
      'the drop log line',
      10_000,
    );
    expect(await depth(q.optOut)).toEqual([0]);
    expect(await depth(`${q.optOut}.dlq`)).toEqual([-1]);
  });

  it("the server's default queue: a failing event and an unknown pattern land in its dead-letter queue", async () => {
    await admin.publish('', q.defaultQueue, { pattern: 'consume.fails', data: {} });
    await admin.publish('', q.defaultQueue, { pattern: 'consume.nobody', data: {} });
    await waitFor(
      async () => (await depth(`${q.defaultQueue}.dlq`))[0] === 2,
      'both in the default queue DLQ',
      10_000,
    );
    expect(count('default-event')).toBe(1);
    expect(await depth(q.defaultQueue)).toEqual([0]);
    expect(logger.fates(`moved to dead-letter queue "${q.defaultQueue}.dlq"`)).toHaveLength(2);
  });
});
