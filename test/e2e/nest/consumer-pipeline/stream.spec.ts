/**
 * Stream queues: offsets first / next / a number / a timestamp read what they should; a handler
 * that throws on a stream never sends a nack (which makes the broker close the whole connection with
 * 540): the shared connection stays open, the same broker connection is listed before and after,
 * and another consumer on it keeps receiving; automatic offset tracking resumes after a connection
 * recovery instead of replaying.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice, type Type } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { closeConnection, listConnections } from '../../../support/broker.js';
import { Admin, listQueues, sleep, waitFor } from '../server/support.js';
import { consumeName, startApp, type RecordingLogger } from './support.js';

const stream = consumeName('stream');
const failing = consumeName('stream-failing');
const stopping = consumeName('stream-stop');
const tracked = consumeName('stream-tracked');
const plain = consumeName('stream-neighbour');
const connectionName = consumeName('stream-connection');

const got: Record<string, number[]> = {
  first: [],
  next: [],
  numeric: [],
  timestamp: [],
  failing: [],
  stop: [],
  tracked: [],
  plain: [],
};
const offsets: number[] = [];

/** Consumers of a queue as the broker counts them (list_consumers leaves stream consumers out on 3.10). */
async function consumersOf(queue: string): Promise<number> {
  return (await listQueues([queue])).get(queue)?.consumers ?? -1;
}

let app: INestMicroservice;
let logger: RecordingLogger;
let admin: Admin;

async function publish(queue: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n += 1) admin.channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n })));
  await admin.channel.waitForConfirms();
}

/** The controller, made once the timestamp to start from is known. */
function streamController(since: Date): Type {
  const streamOptions = { durable: true, prefetch: 20 } as const;
  @Controller()
  class StreamController {
    @QueueConsumer(stream, {
      ...streamOptions,
      stream: { offset: 'first', maxAge: '1h', maxSegmentSizeBytes: 1_000_000 },
    })
    first(@Payload() data: { n: number }, @Ctx() ctx: AmqpContext): void {
      got['first']?.push(data.n);
      if (ctx.streamOffset !== undefined) offsets.push(ctx.streamOffset);
    }

    @QueueConsumer(stream, {
      ...streamOptions,
      stream: { offset: 'next', maxAge: '1h', maxSegmentSizeBytes: 1_000_000 },
    })
    next(@Payload() data: { n: number }): void {
      got['next']?.push(data.n);
    }

    @QueueConsumer(stream, {
      ...streamOptions,
      stream: { offset: 3, maxAge: '1h', maxSegmentSizeBytes: 1_000_000 },
    })
    numeric(@Payload() data: { n: number }): void {
      got['numeric']?.push(data.n);
    }

    @QueueConsumer(stream, {
      ...streamOptions,
      stream: { offset: since, maxAge: '1h', maxSegmentSizeBytes: 1_000_000 },
    })
    timestamp(@Payload() data: { n: number }): void {
      got['timestamp']?.push(data.n);
    }

    @QueueConsumer(failing, { queueType: 'stream', prefetch: 5 })
    throwing(@Payload() data: { n: number }): void {
      got['failing']?.push(data.n);
      throw new Error(`stream handler fails on ${data.n}`);
    }

    @QueueConsumer(stopping, { stream: { offset: 'first', onError: 'stop' } })
    stop(@Payload() data: { n: number }): void {
      got['stop']?.push(data.n);
      if (data.n === 2) throw new Error('stop here');
    }

    @QueueConsumer(tracked, { stream: { offset: 'first', tracking: 'auto' } })
    track(@Payload() data: { n: number }): void {
      got['tracked']?.push(data.n);
    }

    @QueueConsumer(plain, { durable: false })
    neighbour(@Payload() data: { n: number }): void {
      got['plain']?.push(data.n);
    }
  }
  return StreamController;
}

beforeAll(async () => {
  admin = await Admin.open();
  const streamArgs = {
    'x-queue-type': 'stream',
    'x-max-age': '1h',
    'x-stream-max-segment-size-bytes': 1_000_000,
  };
  await admin.channel.assertQueue(stream, { durable: true, arguments: streamArgs });
  await admin.channel.assertQueue(stopping, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  await admin.channel.assertQueue(tracked, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  await publish(stream, 0, 5);
  await publish(stopping, 0, 5);
  await publish(tracked, 0, 5);
  // Stream timestamps are the broker's chunk times, in seconds: leave a clear second on each side.
  await sleep(1500);
  const since = new Date();
  await sleep(1500);
  await publish(stream, 5, 10);
  ({ app, logger } = await startApp([streamController(since)], {
    connectionKey: 'consume-stream',
    connectionName,
  }));
}, 40_000);

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([stream, failing, stopping, tracked, plain]);
  await admin?.close();
});

describe('stream consumers', () => {
  it('offset first reads all, a number from that offset, a timestamp from that time, next only new messages', async () => {
    await sleep(500);
    await publish(stream, 10, 12);
    await waitFor(
      () => got['first']?.length === 12 && got['next']?.length === 2,
      'the stream consumers',
      10_000,
    );
    await waitFor(
      () => got['numeric']?.length === 9 && got['timestamp']?.length === 7,
      'the numeric and timestamp consumers',
      10_000,
    );
    expect(got['first']).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(got['numeric']).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(got['timestamp']).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(got['next']).toEqual([10, 11]);
    expect(offsets).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // A stream refuses a consumer without a prefetch: four consuming means four got theirs.
    expect(await consumersOf(stream)).toBe(4);
  });

  it('a throwing handler on a stream leaves the shared connection open while another consumer on it keeps receiving', async () => {
    const before = (await listConnections())
      .filter((c) => c.connectionName === connectionName)
      .map((c) => c.name);
    expect(before).toHaveLength(1);
    for (let round = 0; round < 5; round += 1) {
      await publish(failing, round * 10, round * 10 + 10);
      await publish(plain, round, round + 1);
    }
    await waitFor(
      () => got['failing']?.length === 50 && got['plain']?.length === 5,
      'every message on both consumers',
      15_000,
    );
    await sleep(1000);
    const after = (await listConnections())
      .filter((c) => c.connectionName === connectionName)
      .map((c) => c.name);
    expect(after).toEqual(before);
    expect(
      // The reply code as the close prints it ("540 NOT_IMPLEMENTED"), not a bare "540": queue names
      // carry the process id, and a pid such as 15403 holds those digits.
      logger.lines.filter((line) => /\b540 [A-Z_]+|NOT_IMPLEMENTED/.test(line.text)),
    ).toEqual([]);
    expect(logger.lines.filter((line) => line.text.includes('lost its connection'))).toEqual([]);
    expect(
      logger.fates("acked and skipped: the message stays in the stream (stream.onError: 'continue')"),
    ).toHaveLength(50);
    await publish(plain, 100, 101);
    await waitFor(() => got['plain']?.includes(100) === true, 'the neighbour after the failures', 5_000);
  });

  it("stream.onError 'stop' cancels only that consumer", async () => {
    await waitFor(() => got['stop']?.includes(2) === true, 'the failing message', 10_000);
    await waitFor(async () => (await consumersOf(stopping)) === 0, 'the consumer cancelled', 10_000);
    expect(logger.fates("stopping this consumer (stream.onError: 'stop')")).toHaveLength(1);
    expect(await consumersOf(stream)).toBe(4);
  });

  it('automatic offset tracking: after a connection recovery the consumer resumes after the last message handled', async () => {
    const started = Date.now();
    await waitFor(() => got['tracked']?.length === 5, 'the first five', 10_000);
    await sleep(300);
    expect(await closeConnection(connectionName, 'consume suite: recovery of a stream consumer')).toBe(1);
    // The broker's consumer count of a stream keeps the closed connection's consumers for a while
    // (3.10), so it proves nothing here: the new messages arriving (and nothing replayed) does.
    await waitFor(
      async () => (await listConnections()).some((c) => c.connectionName === connectionName),
      'the recovered connection',
      40_000,
    );
    console.log(`recovered and consuming again ${Date.now() - started} ms after the forced close`);
    await publish(tracked, 5, 8);
    await waitFor(() => got['tracked']?.includes(7) === true, 'the new messages', 10_000);
    await sleep(500);
    expect(got['tracked']).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 60_000);
});
