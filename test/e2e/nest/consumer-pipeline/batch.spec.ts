/**
 * Batch consumers: 1,000 messages handed over in arrays of up to 50 (or what arrived within 200 ms),
 * acked after each batch; a failing batch with `onError: 'each'` moves all its messages to the
 * dead-letter queue, with `'split'` only the poison one; nothing is lost (counted with rabbitmqctl).
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AmqpBatchContext } from '../../../../lib/transport/core/amqp-batch.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { Admin, listConsumers, listQueues, waitFor } from '../server/support.js';
import { consumeName, startApp, type RecordingLogger } from './support.js';

const bulk = consumeName('batch');
const each = consumeName('batch-each');
const split = consumeName('batch-split');

const bulkBatches: number[][] = [];
const eachCalls: number[][] = [];
const splitCalls: number[][] = [];
let bulkContextOk = true;

@Controller()
class BatchController {
  @QueueConsumer(bulk, { durable: false, batch: { size: 50, timeout: 200 } })
  onBulk(@Payload() items: Array<{ n: number }>, @Ctx() ctx: AmqpBatchContext): void {
    if (!(ctx instanceof AmqpBatchContext) || ctx.getMessages().length !== items.length)
      bulkContextOk = false;
    bulkBatches.push(items.map((item) => item.n));
  }

  @QueueConsumer(each, { durable: false, batch: { size: 10, timeout: 200, onError: 'each' } })
  onEach(@Payload() items: Array<{ n: number }>): void {
    eachCalls.push(items.map((item) => item.n));
    if (items.some((item) => item.n === 13)) throw new Error('13 is poison');
  }

  @QueueConsumer(split, { durable: false, batch: { size: 10, timeout: 200, onError: 'split' } })
  onSplit(@Payload() items: Array<{ n: number }>): void {
    splitCalls.push(items.map((item) => item.n));
    if (items.some((item) => item.n === 13)) throw new Error('13 is poison');
  }
}

let app: INestMicroservice;
let logger: RecordingLogger;
let admin: Admin;

beforeAll(async () => {
  ({ app, logger } = await startApp([BatchController]));
  admin = await Admin.open();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([bulk, each, split]);
  await admin?.close();
});

async function publishMany(queue: string, count: number): Promise<void> {
  for (let n = 0; n < count; n += 1) admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })));
  await admin.channel.waitForConfirms();
}

async function depths(...names: string[]): Promise<number[]> {
  const info = await listQueues(names);
  return names.map((name) => {
    const row = info.get(name);
    return row === undefined ? -1 : row.messages_ready + row.messages_unacknowledged;
  });
}

describe('batch consumers', () => {
  it('prefetch follows the batch size (at least 50 here)', async () => {
    const [consumer] = await listConsumers([bulk]);
    expect(consumer?.prefetch_count).toBe(50);
  });

  it('1,000 messages in batches of at most 50, each acked after its batch, none lost or repeated', async () => {
    const started = Date.now();
    await publishMany(bulk, 1000);
    await waitFor(() => bulkBatches.flat().length >= 1000, 'all 1,000 handled', 20_000);
    const elapsed = Date.now() - started;
    const all = bulkBatches.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(Math.max(...bulkBatches.map((batch) => batch.length))).toBe(50);
    expect(bulkBatches.filter((batch) => batch.length === 50).length).toBeGreaterThanOrEqual(15);
    expect(bulkContextOk).toBe(true);
    await waitFor(async () => (await depths(bulk))[0] === 0, 'the queue empty (all acked)', 10_000);
    console.log(
      `1,000 messages in ${bulkBatches.length} batches (sizes ${[...new Set(bulkBatches.map((b) => b.length))].join(', ')}) in ${elapsed} ms`,
    );
  });

  it('a partial batch is handed over after the timeout', async () => {
    const before = bulkBatches.length;
    await publishMany(bulk, 7);
    await waitFor(() => bulkBatches.length === before + 1, 'the partial batch', 5_000);
    expect(bulkBatches.at(-1)).toHaveLength(7);
  });

  it("onError 'each': the failing batch's messages all go to the dead-letter queue, the others are acked", async () => {
    await publishMany(each, 30);
    await waitFor(
      async () => (await depths(`${each}.dlq`))[0] === 10,
      'the failed batch dead-lettered',
      15_000,
    );
    expect(await depths(each, `${each}.dlq`)).toEqual([0, 10]);
    const failed = eachCalls.find((batch) => batch.includes(13)) ?? [];
    const parked = (await admin.drain(`${each}.dlq`)).map(
      (message) => (JSON.parse(message.content.toString()) as { n: number }).n,
    );
    expect(parked.sort((a, b) => a - b)).toEqual([...failed].sort((a, b) => a - b));
    expect(eachCalls.flat().length).toBe(30);
  });

  it("onError 'split': the batch is retried one by one and only the poison message is dead-lettered", async () => {
    await publishMany(split, 30);
    await waitFor(
      async () => (await depths(`${split}.dlq`))[0] === 1,
      'the poison one dead-lettered',
      15_000,
    );
    expect(await depths(split, `${split}.dlq`)).toEqual([0, 1]);
    const [parked] = await admin.drain(`${split}.dlq`);
    expect(JSON.parse(parked?.content.toString() ?? '')).toEqual({ n: 13 });
    const alone = splitCalls.filter((batch) => batch.length === 1);
    expect(alone.length).toBeGreaterThanOrEqual(10);
    expect(logger.find('warn', "retrying them one by one (batch.onError: 'split')")).toHaveLength(1);
  });
});
