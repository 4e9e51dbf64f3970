import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { BasicReturn } from '../../../lib/protocol/codec/index.js';
import type { Connection } from '../../../lib/protocol/connection/connection.js';
import { ChannelClosedError, PublishNackedError } from '../../../lib/protocol/errors.js';
import { cleanup, connect, uniqueName, until } from './broker.js';

describe('Channel e2e: confirms, returns, transactions, cancels, channel errors', () => {
  let connection: Connection;
  const queues: string[] = [];

  beforeAll(async () => {
    connection = await connect();
  });

  afterAll(async () => {
    try {
      await cleanup(connection, queues);
    } finally {
      await connection.close();
    }
  });

  it('confirm mode: acks resolve, a reject-publish queue nacks', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('maxlen');
    queues.push(queue);
    await channel.queueDeclare({ queue, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await channel.confirmDelivery();
    await expect(channel.basicPublish('', queue, 'fits')).resolves.toBeUndefined();
    const refused = await channel.basicPublish('', queue, 'overflows').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PublishNackedError);
    expect((refused as PublishNackedError).deliveryTag).toBe(2);
    // pipelined: a thousand in flight at once, every one settled
    await channel.queuePurge({ queue });
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, i) => channel.basicPublish('', queue, String(i))),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
    const nacked = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof PublishNackedError,
    ).length;
    expect(fulfilled).toBe(1);
    expect(nacked).toBe(999);
    expect(channel.isOpen).toBe(true);
    await channel.close();
  });

  it('mandatory publishes nobody routes come back through the return callbacks', async () => {
    const channel = await connection.channel();
    const returned: Array<[BasicReturn, string | undefined, string]> = [];
    channel.addOnReturnCallback((_ch, method, properties, body) =>
      returned.push([method, properties.messageId, body.toString()]),
    );
    await channel.confirmDelivery();
    const nowhere = uniqueName('nowhere');
    // in confirm mode the broker returns, then acks: the publish resolves
    await channel.basicPublish('', nowhere, 'lost', { messageId: 'm-1' }, { mandatory: true });
    await channel.basicPublish('amq.direct', nowhere, 'lost too', {}, { mandatory: true });
    await channel.basicPublish('', nowhere, 'silently dropped'); // not mandatory: no return
    await until(() => returned.length >= 2, 'two returns');
    expect(returned).toEqual([
      [{ replyCode: 312, replyText: 'NO_ROUTE', exchange: '', routingKey: nowhere }, 'm-1', 'lost'],
      [
        { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'amq.direct', routingKey: nowhere },
        undefined,
        'lost too',
      ],
    ]);
    await channel.close();
  });

  it('tx commit delivers, tx rollback discards', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('tx');
    queues.push(queue);
    await channel.queueDeclare({ queue });
    await channel.txSelect();
    await channel.basicPublish('', queue, 'rolled back');
    await channel.txRollback();
    await expect(channel.queueDeclare({ queue, passive: true })).resolves.toMatchObject({ messageCount: 0 });
    await channel.basicPublish('', queue, 'committed');
    await expect(channel.queueDeclare({ queue, passive: true })).resolves.toMatchObject({ messageCount: 0 });
    await channel.txCommit();
    await expect(channel.queueDeclare({ queue, passive: true })).resolves.toMatchObject({ messageCount: 1 });
    const got = await channel.basicGet(queue, { autoAck: true });
    expect(got?.body.toString()).toBe('committed');
    await channel.close();
  });

  it('a queue deleted under a consumer cancels it through the cancel callbacks', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('cancelled');
    await channel.queueDeclare({ queue });
    const cancelled: string[] = [];
    channel.addOnCancelCallback((tag) => cancelled.push(tag));
    const tag = await channel.basicConsume(queue, () => undefined, { consumerTag: uniqueName('ctag') });
    const other = await connection.channel();
    await other.queueDelete({ queue });
    await until(() => cancelled.length === 1, 'the broker basic.cancel');
    expect(cancelled).toEqual([tag]);
    expect(channel.isOpen).toBe(true);
    // the tag is free again on this channel and the channel still works
    const queue2 = uniqueName('after-cancel');
    queues.push(queue2);
    await channel.queueDeclare({ queue: queue2 });
    await expect(channel.basicConsume(queue2, () => undefined, { consumerTag: tag })).resolves.toBe(tag);
    await channel.close();
    await other.close();
  });

  it('a 404 on one channel leaves the connection and another channel consuming', async () => {
    const consumerChannel = await connection.channel();
    const queue = uniqueName('survivor');
    queues.push(queue);
    await consumerChannel.queueDeclare({ queue });
    const got: string[] = [];
    await consumerChannel.basicConsume(queue, (_ch, _m, _p, body) => got.push(body.toString()), {
      autoAck: true,
    });

    const doomed = await connection.channel();
    const closes: unknown[] = [];
    doomed.addOnCloseCallback((_ch, error) => closes.push(error));
    const missing = uniqueName('missing');
    const error = await doomed.queueDeclare({ queue: missing, passive: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toMatchObject({
      replyCode: 404,
      initiator: 'broker',
      classId: 50,
      methodId: 10,
      channel: doomed.channelNumber,
    });
    expect((error as ChannelClosedError).replyText).toContain(missing);
    expect(closes).toEqual([error]);
    expect(doomed.state).toBe('CLOSED');
    expect(() => doomed.basicPublish('', queue, 'x')).toThrow(/basic\.publish is not allowed/);

    const publisher = await connection.channel();
    for (let i = 0; i < 100; i++) await publisher.basicPublish('', queue, `m${i}`);
    await until(() => got.length === 100, '100 deliveries after the 404');
    expect(got[99]).toBe('m99');
    expect(connection.isOpen).toBe(true);
    expect(consumerChannel.isOpen).toBe(true);
    await consumerChannel.close();
    await publisher.close();
  });

  it('a publish to a missing exchange closes that channel with 404 and rejects its pending confirms', async () => {
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const error = await channel.basicPublish(uniqueName('no-exchange'), 'k', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error).toMatchObject({ replyCode: 404, initiator: 'broker', classId: 60, methodId: 40 });
    expect(connection.isOpen).toBe(true);
  });
});
