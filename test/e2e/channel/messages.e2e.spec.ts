import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  Decimal,
  TypedValue,
  type BasicDeliver,
  type BasicProperties,
} from '../../../lib/protocol/codec/index.js';
import type { Connection } from '../../../lib/protocol/connection/connection.js';
import { cleanup, connect, uniqueName, until } from './broker.js';

/** Every field-table type RabbitMQ parses, with the value each decodes back to. */
function headersFor(i: number) {
  const sent = {
    longstr: `value-${i}-é`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i % 60)),
    int8: new TypedValue('b', -(i % 128) - 1),
    uint8: new TypedValue('B', i % 256),
    int16: new TypedValue('s', -(i % 32767) - 1),
    uint16: new TypedValue('u', i % 65536),
    int32: -i - 1,
    uint32: new TypedValue('i', 4_000_000_000 + i),
    int64: 2 ** 40 + i,
    bigint64: 2n ** 62n + BigInt(i),
    float: new TypedValue('f', 1.5),
    double: i + 0.25,
    bool: i % 2 === 0,
    decimal: new Decimal(2, 12345 + i),
    table: { nested: { deep: `d${i}` }, n: i },
    array: [1, 'two', true, [3], { four: 4 }],
    bytes: Buffer.from([0, 1, 2, i % 256]),
    void: null,
  };
  const expected = {
    ...sent,
    int8: -(i % 128) - 1,
    uint8: i % 256,
    int16: -(i % 32767) - 1,
    uint16: i % 65536,
    uint32: 4_000_000_000 + i,
    float: 1.5,
  };
  return { sent, expected };
}

function propertiesFor(i: number, headers: BasicProperties['headers']): BasicProperties {
  return {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    deliveryMode: 2,
    priority: i % 10,
    correlationId: `corr-${i}`,
    replyTo: 'reply.queue',
    expiration: '600000',
    messageId: `msg-${i}`,
    timestamp: 1_780_000_000 + i,
    type: 'test.message',
    userId: 'guest',
    appId: 'channel-e2e',
    clusterId: `cluster-${i % 3}`,
  };
}

describe('Channel e2e: messages', () => {
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

  it('publishes and consumes 10,000 messages with every property and header type intact', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('roundtrip');
    queues.push(queue);
    await channel.queueDeclare({ queue, arguments: { 'x-max-priority': 10 } });
    const count = 10_000;
    const received: Array<{ method: BasicDeliver; properties: BasicProperties; body: Buffer }> = [];
    await channel.basicQos({ prefetchCount: 500 });
    const tag = await channel.basicConsume(queue, (ch, method, properties, body) => {
      received.push({ method, properties, body });
      ch.basicAck(method.deliveryTag);
    });
    const publisher = await connection.channel();
    for (let i = 0; i < count; i++) {
      const { sent } = headersFor(i);
      await publisher.basicPublish('', queue, JSON.stringify({ i }), propertiesFor(i, sent));
    }
    await until(() => received.length === count, `${count} deliveries`, 250_000);
    // a consumer on one channel sees one publisher's messages in order (priority is per queue backlog:
    // compare by message id instead of position)
    const byId = new Map(received.map((r) => [r.properties.messageId, r]));
    expect(byId.size).toBe(count);
    for (let i = 0; i < count; i++) {
      const r = byId.get(`msg-${i}`);
      expect(r).toBeDefined();
      const { expected } = headersFor(i);
      expect(r!.properties).toEqual(propertiesFor(i, expected));
      expect(JSON.parse(r!.body.toString())).toEqual({ i });
      expect(r!.method).toMatchObject({
        consumerTag: tag,
        exchange: '',
        routingKey: queue,
        redelivered: false,
      });
    }
    await channel.basicCancel(tag);
    await channel.close();
    await publisher.close();
    // About 10 s alone; CI's RabbitMQ 4 run, beside npm test and Nest 11 on two cores, took over 120 s.
  }, 300_000);

  it('basic.get, ack, nack, reject and recover', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('acks');
    queues.push(queue);
    await channel.queueDeclare({ queue });
    for (const body of ['a', 'b', 'c', 'd']) await channel.basicPublish('', queue, body);

    const a = await channel.basicGet(queue);
    expect(a?.body.toString()).toBe('a');
    expect(a?.method).toMatchObject({ redelivered: false, messageCount: 3, routingKey: queue });
    channel.basicReject(a!.method.deliveryTag, true); // back to the queue head
    const again = await channel.basicGet(queue);
    expect(again?.body.toString()).toBe('a');
    expect(again?.method.redelivered).toBe(true);
    channel.basicAck(again!.method.deliveryTag);

    const b = await channel.basicGet(queue);
    channel.basicNack(b!.method.deliveryTag, { requeue: false }); // dropped
    const c = await channel.basicGet(queue);
    const d = await channel.basicGet(queue);
    expect([c?.body.toString(), d?.body.toString()]).toEqual(['c', 'd']);
    await expect(channel.basicGet(queue)).resolves.toBeNull();

    // c and d are unacked: recover(requeue) gives them back to the queue
    await channel.basicRecover(true);
    const c2 = await channel.basicGet(queue, { autoAck: true });
    const d2 = await channel.basicGet(queue, { autoAck: true });
    expect([c2?.body.toString(), d2?.body.toString()]).toEqual(['c', 'd']);
    expect(c2?.method.redelivered).toBe(true);
    await expect(channel.basicGet(queue)).resolves.toBeNull();

    // nack multiple of everything outstanding (tag 0 + multiple) requeues
    await channel.basicPublish('', queue, 'e');
    await channel.basicPublish('', queue, 'f');
    await channel.basicGet(queue);
    await channel.basicGet(queue);
    channel.basicNack(0, { multiple: true, requeue: true });
    // the broker requeues asynchronously: poll the ready count
    let ready = -1;
    for (let attempt = 0; attempt < 200 && ready !== 2; attempt++) {
      ready = (await channel.queueDeclare({ queue, passive: true })).messageCount;
      if (ready !== 2) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(ready).toBe(2);
    expect(channel.isOpen).toBe(true);
    await channel.close();
  });

  it('carries a 10 MiB body both ways', async () => {
    const channel = await connection.channel();
    const queue = uniqueName('big');
    queues.push(queue);
    await channel.queueDeclare({ queue });
    const body = Buffer.alloc(10 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    await channel.basicPublish('', queue, body, { contentType: 'application/octet-stream' });
    let got: Buffer | undefined;
    await channel.basicConsume(queue, (_ch, _m, _p, b) => (got = b), { autoAck: true });
    await until(() => got !== undefined, 'the 10 MiB delivery');
    expect(got!.length).toBe(body.length);
    expect(got!.equals(body)).toBe(true);
    await channel.close();
  });
});
