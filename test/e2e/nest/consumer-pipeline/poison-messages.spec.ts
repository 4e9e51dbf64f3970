/**
 * A fate for every message: poison messages whose dead-letter copy cannot be made as it is (a header
 * table that pushes the copy past frame_max; a messageId of 120 x 0xFF bytes that re-encodes to 360
 * bytes), a message with a TTL and one with a CC header, 10 of each, then 100 normal ones, on a
 * classic @QueueConsumer, a quorum @QueueConsumer and the server's default queue. All 100 are handled;
 * every poison message is in the dead-letter queue with the handler's error; the TTL one stays there
 * past its TTL; the CC one adds nothing to the queue it names.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type amqplib from 'amqplib';
import { Connection } from '../../../../lib/protocol/connection/connection.js';
import type { BasicProperties } from '../../../../lib/protocol/index.js';
import { connectSocket, type Transport } from '../../../../lib/protocol/io/socket-transport.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { Admin, sleep, waitFor } from '../server/support.js';
import { AMQP_URL, consumeName, startApp } from './support.js';

const q = {
  classic: consumeName('poison-classic'),
  quorum: consumeName('poison-quorum'),
  defaultQueue: consumeName('poison-default'),
  victim: consumeName('poison-victim'),
};
const exchange = consumeName('poison-x');
const KINDS = ['big-headers', 'bad-id', 'ttl', 'cc'] as const;
type Kind = (typeof KINDS)[number];
const handled = new Map<string, number>();
const handle = (where: string, data: { poison?: Kind }): void => {
  if (data.poison !== undefined) throw new TypeError(`poison ${data.poison}`);
  handled.set(where, (handled.get(where) ?? 0) + 1);
};

@Controller()
class PoisonController {
  @QueueConsumer(q.classic, { durable: false, prefetch: 5 })
  onClassic(@Payload() data: { poison?: Kind }): void {
    handle('classic', data);
  }

  @QueueConsumer(q.quorum, { queueType: 'quorum', prefetch: 5 })
  onQuorum(@Payload() data: { poison?: Kind }): void {
    handle('quorum', data);
  }

  @EventPattern('poison')
  onPoison(@Payload() data: { poison?: Kind }): void {
    handle('default', data);
  }

  @EventPattern('normal')
  onNormal(@Payload() data: { poison?: Kind }): void {
    handle('default', data);
  }
}

/** 120 'Q' after their length byte: the producer's socket rewrites them to 0xFF bytes (invalid UTF-8). */
const MARKER = Buffer.concat([Buffer.from([120]), Buffer.from('Q'.repeat(120))]);
const BAD_ID = 'Q'.repeat(120);

interface Producer {
  publish(exchange: string, routingKey: string, body: Buffer, properties: BasicProperties): Promise<void>;
  close(): Promise<void>;
}

/** The engine on a socket whose outgoing bytes have the marker's 120 'Q' replaced by 0xFF (a producer that sends invalid UTF-8). */
async function rawProducer(): Promise<Producer> {
  const transport = (parameters: Parameters<typeof connectSocket>[0], handlers: Parameters<typeof connectSocket>[1]): Transport => {
    const inner = connectSocket(parameters, handlers);
    return {
      write: (bytes: Buffer): boolean => {
        let at = bytes.indexOf(MARKER);
        while (at >= 0) {
          bytes.fill(0xff, at + 1, at + 1 + 120);
          at = bytes.indexOf(MARKER, at + 1);
        }
        return inner.write(bytes);
      },
      get bufferedBytes() {
        return inner.bufferedBytes;
      },
      end: () => inner.end(),
      destroy: () => inner.destroy(),
    };
  };
  const connection = await new Promise<Connection>((resolve, reject) => {
    new Connection(AMQP_URL, { onOpen: resolve, onOpenError: (_c, error) => reject(error) }, { transport });
  });
  const channel = await connection.channel();
  await channel.confirmDelivery();
  return {
    publish: (exchange, routingKey, body, properties) => channel.basicPublish(exchange, routingKey, body, properties),
    close: () => connection.close().catch(() => undefined),
  };
}

function poisonProperties(kind: Kind): BasicProperties {
  switch (kind) {
    case 'big-headers':
      // The original fits frame_max; its copy, with the failure headers added, does not.
      return { headers: { blob: 'b'.repeat(130_900) } };
    case 'bad-id':
      return { messageId: BAD_ID };
    case 'ttl':
      return { expiration: '3000' };
    case 'cc':
      return { headers: { CC: [q.victim] } };
  }
}

describe('poison messages: every one dead-lettered, the consumer keeps going', () => {
  let app: INestMicroservice;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    admin = await Admin.open();
    ({ app } = await startApp([PoisonController], { queue: q.defaultQueue, queueOptions: { durable: false } }));
    await admin.channel.assertQueue(q.victim, { durable: false });
    await admin.channel.assertExchange(exchange, 'direct', { durable: false });
    for (const queue of [q.classic, q.quorum, q.defaultQueue]) await admin.channel.bindQueue(queue, exchange, queue);
    producer = await rawProducer();
  }, 60_000);

  afterAll(async () => {
    await producer?.close();
    await app?.close();
    await admin?.cleanup([q.classic, q.quorum, q.defaultQueue, q.victim], [exchange]);
    await admin?.close();
  });

  it.each([
    ['classic', q.classic],
    ['quorum', q.quorum],
    ['default', q.defaultQueue],
  ])('%s queue: 40 poison messages then 100 normal ones', async (where, queue) => {
    const body = (data: object): Buffer =>
      Buffer.from(JSON.stringify(where === 'default' ? { pattern: 'poison' in data ? 'poison' : 'normal', data } : data));
    const sent: Array<Promise<void>> = [];
    for (const kind of KINDS) {
      for (let i = 0; i < 10; i += 1) sent.push(producer.publish(exchange, queue, body({ poison: kind }), poisonProperties(kind)));
    }
    for (let i = 0; i < 100; i += 1) sent.push(producer.publish(exchange, queue, body({ n: i }), {}));
    await Promise.all(sent);

    await waitFor(() => (handled.get(where) ?? 0) === 100, `100 normal messages on ${where}`, 30_000);
    const dlq = `${queue}.dlq`;
    await waitFor(async () => (await admin.messageCount(dlq)) === 40, `40 dead letters in ${dlq}`, 30_000);
    // The TTL was 3 s: the copies carry none, so they are still there after it.
    await sleep(3500);
    expect(await admin.messageCount(dlq)).toBe(40);
    expect(await admin.messageCount(queue)).toBe(0);
    // The CC named the victim; the originals went through an exchange without a binding for it, the copies did not go there.
    expect(await admin.messageCount(q.victim)).toBe(0);

    const letters = await admin.drain(dlq);
    const byKind = new Map<string, amqplib.GetMessage[]>();
    for (const letter of letters) {
      const kind = (JSON.parse(letter.content.toString()) as { poison?: string; data?: { poison?: string } });
      const name = kind.poison ?? kind.data?.poison ?? 'none';
      byKind.set(name, [...(byKind.get(name) ?? []), letter]);
    }
    for (const kind of KINDS) {
      const list = byKind.get(kind) ?? [];
      expect(list).toHaveLength(10);
      for (const letter of list) {
        const headers = letter.properties.headers ?? {};
        expect(headers['x-failed-queue']).toBe(queue);
        expect(String(headers['x-failure-reason'])).toContain(`poison ${kind}`);
        expect(headers['x-exception-class']).toBe('TypeError');
        expect(headers['x-exception-message']).toBe(`poison ${kind}`);
        expect(String(headers['x-exception-stack'])).toContain('at ');
        expect(headers['x-failure-attempts']).toBe(1);
        expect(headers['x-first-failure-queue']).toBe(queue);
        expect(typeof headers['x-first-failure-time']).toBe('number');
        expect(letter.properties.expiration).toBeUndefined();
        expect(headers['CC']).toBeUndefined();
      }
    }
    expect(byKind.get('bad-id')?.[0]?.properties.headers?.['x-dropped-properties']).toBe('messageId');
    expect(String(byKind.get('big-headers')?.[0]?.properties.headers?.['x-dropped-properties'])).toContain('headers');
    expect(byKind.get('ttl')?.[0]?.properties.headers?.['x-original-expiration']).toBe('3000');
    expect(byKind.get('cc')?.[0]?.properties.headers?.['x-original-cc']).toEqual([q.victim]);
    console.log(`${where}: 100/100 normal handled, ${letters.length} dead letters (${KINDS.map((k) => `${k} ${byKind.get(k)?.length ?? 0}`).join(', ')})`);
  }, 90_000);
});
