/**
 * Dead letters you can act on: 1,000 letters (every other one with a header marking it replayable)
 * in a consumer's dead-letter queue; AmqpDeadLetters peeks (nothing taken), replays the 500 marked
 * ones into the original queue (each handled once, each with x-replay-count 1), leaves the 500 others,
 * then purges them. A replay to a queue that no longer exists stops with DeadLetterReplayError (the
 * mandatory publish is returned), the letters left where they were, and the CLI exits 1.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpDeadLetters } from '../../../../lib/transport/module/amqp-dead-letters.js';
import { runDlqCli, type CliIo } from '../../../../lib/bin/dlq-cli.js';
import { DeadLetterReplayError } from '../../../../lib/transport/core/dead-letter.errors.js';
import { Admin, waitFor } from '../server/support.js';
import { AMQP_URL, consumeName, startApp } from './support.js';

const queue = consumeName('replay');
const dlq = `${queue}.dlq`;
const handled = new Map<number, number>();
const replayCounts = new Set<unknown>();

@Controller()
class ReplayController {
  @QueueConsumer(queue, { durable: false })
  onMessage(@Payload() data: { n: number }, @Ctx() ctx: AmqpContext): void {
    handled.set(data.n, (handled.get(data.n) ?? 0) + 1);
    replayCounts.add(ctx.headers['x-replay-count']);
  }
}

describe('AmqpDeadLetters', () => {
  let app: INestMicroservice;
  let admin: Admin;

  beforeAll(async () => {
    admin = await Admin.open();
    ({ app } = await startApp([ReplayController]));
    for (let n = 0; n < 1000; n += 1) {
      admin.channel.sendToQueue(dlq, Buffer.from(JSON.stringify({ n })), {
        contentType: 'application/json',
        headers: { 'x-failed-queue': queue, 'x-exception-class': n % 2 === 0 ? 'TimeoutError' : 'ValidationError' },
      });
    }
    await admin.channel.waitForConfirms();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await admin?.cleanup([queue]);
    await admin?.close();
  });

  it('a replay whose publishes cannot be routed rejects, and every letter stays in the dead-letter queue', async () => {
    const deadLetters = app.get(AmqpDeadLetters);
    const stray = `${queue}.stray.dlq`;
    await admin.channel.assertQueue(stray, { durable: false });
    try {
      for (let n = 0; n < 200; n += 1) admin.channel.sendToQueue(stray, Buffer.from(JSON.stringify({ n: 20_000 + n })));
      await admin.channel.waitForConfirms();
      // mandatory publishes to a queue that does not exist come back as basic.return
      await expect(deadLetters.replay(stray, { to: `${queue}.absent` })).rejects.toMatchObject({
        name: 'DeadLetterReplayError',
        replyCode: 312,
        target: `${queue}.absent`,
        replayed: 0,
      });
      expect(await admin.messageCount(stray)).toBe(200);
      expect(handled.size).toBe(0);
    } finally {
      await admin.cleanup([stray]);
    }
  });

  it('peek, replay 500 of 1,000 filtered by header (each handled once), purge the rest', async () => {
    const deadLetters = app.get(AmqpDeadLetters);
    expect(await deadLetters.list([dlq, `${queue}.nope`])).toEqual([{ queue: dlq, messages: 1000 }]);
    const peeked = await deadLetters.peek(dlq, 3);
    expect(peeked.map((letter) => letter.failedQueue)).toEqual([queue, queue, queue]);
    expect(await admin.messageCount(dlq)).toBe(1000);

    const dry = await deadLetters.replay(dlq, { dryRun: true, filter: (letter) => letter.headers['x-exception-class'] === 'TimeoutError' });
    expect(dry).toEqual({ considered: 1000, replayed: 500, skipped: 500 });
    const started = Date.now();
    const result = await deadLetters.replay(dlq, { filter: (letter) => letter.headers['x-exception-class'] === 'TimeoutError' });
    expect(result).toEqual({ considered: 1000, replayed: 500, skipped: 500 });
    await waitFor(() => handled.size === 500, '500 replayed messages handled', 30_000);
    const elapsed = Date.now() - started;
    expect([...handled.entries()].every(([n, times]) => n % 2 === 0 && times === 1)).toBe(true);
    expect([...replayCounts]).toEqual([1]);
    expect(await admin.messageCount(dlq)).toBe(500);
    expect(await deadLetters.purge(dlq)).toBe(500);
    console.log(`replay: 500 of 1000 dead letters (filtered by x-exception-class) replayed and handled once each in ${elapsed} ms; 500 left, then purged`);
  }, 90_000);

  it('the CLI: refuses without confirmation, then replays 1,000 of 1,200 filtered by header, each handled once', async () => {
    handled.clear();
    for (let n = 0; n < 1200; n += 1) {
      admin.channel.sendToQueue(dlq, Buffer.from(JSON.stringify({ n: 10_000 + n })), {
        contentType: 'application/json',
        headers: { 'x-failed-queue': queue, tenant: n < 1000 ? 'acme' : 'other' },
      });
    }
    await admin.channel.waitForConfirms();
    const lines: string[] = [];
    const io = (answer: boolean): CliIo => ({
      out: (text) => lines.push(text),
      err: (text) => lines.push(text),
      confirm: () => Promise.resolve(answer),
      env: {},
    });
    const args = ['dlq', 'replay', dlq, '--filter', 'tenant=acme', '--url', AMQP_URL];
    expect(await runDlqCli(args, io(false))).toBe(1);
    expect(await admin.messageCount(dlq)).toBe(1200);
    expect(await runDlqCli([...args, '--dry-run'], io(false))).toBe(0);
    expect(lines).toContain(`dry run: would replay 1000 to their original queues and leave 200 in "${dlq}" (1200 considered); nothing moved`);
    const started = Date.now();
    expect(await runDlqCli(args, io(true))).toBe(0);
    await waitFor(() => handled.size === 1000, '1,000 replayed messages handled', 60_000);
    const elapsed = Date.now() - started;
    expect([...handled.values()].every((times) => times === 1)).toBe(true);
    expect(lines.some((line) => line.startsWith('[####################] 1200/1200 considered, 1000 replayed'))).toBe(true);
    expect(await admin.messageCount(dlq)).toBe(200);
    expect(await runDlqCli(['dlq', 'purge', dlq, '--yes', '--url', AMQP_URL], io(false))).toBe(0);
    expect(await admin.messageCount(dlq)).toBe(0);
    console.log(`CLI replay: 1000 of 1200 (--filter tenant=acme) replayed and handled once each in ${elapsed} ms`);
  }, 120_000);

  it('a replay to a queue that no longer exists stops with DeadLetterReplayError; the letters stay; the CLI exits 1', async () => {
    handled.clear();
    const gone = consumeName('replay-gone');
    const send = (n: number, failedQueue: string): void => {
      admin.channel.sendToQueue(dlq, Buffer.from(JSON.stringify({ n })), { contentType: 'application/json', headers: { 'x-failed-queue': failedQueue } });
    };
    send(20_000, queue);
    send(20_001, gone);
    send(20_002, queue);
    await admin.channel.waitForConfirms();
    const deadLetters = app.get(AmqpDeadLetters);
    const error = await deadLetters.replay(dlq).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DeadLetterReplayError);
    expect(error).toMatchObject({ queue: dlq, target: gone, replayed: 1, replyCode: 312, code: 'ERR_AMQP_DEAD_LETTER_REPLAY' });
    await waitFor(() => handled.has(20_000), 'the letter before it handled', 10_000);
    // The returned letter and the one after it are still dead letters (the channel's close gave them back).
    await waitFor(async () => (await admin.messageCount(dlq)) === 2, 'two letters left', 10_000);

    const lines: string[] = [];
    const io: CliIo = { out: (text) => lines.push(text), err: (text) => lines.push(text), confirm: () => Promise.resolve(true), env: {} };
    expect(await runDlqCli(['dlq', 'replay', dlq, '--yes', '--url', AMQP_URL], io)).toBe(1);
    expect(lines.find((line) => line.startsWith('failed: '))).toMatch(new RegExp(`returned the letter sent to queue "${gone}" \\(312 NO_ROUTE`));
    await waitFor(async () => (await admin.messageCount(dlq)) === 2, 'still two letters left', 10_000);
    expect([...handled.keys()]).toEqual([20_000]);
    expect(await deadLetters.purge(dlq)).toBe(2);
  }, 60_000);
});
