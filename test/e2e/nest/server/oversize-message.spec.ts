/**
 * A message over the connection's maxBodySize (64 KiB here, a 100 KiB body), against the real broker:
 * its body streams past unread and, before any handler, it gets a fate. With a DLX on the queue it is
 * nacked and the broker dead-letters it, body and all; without one (the default), a copy without its
 * body goes to `<queue>.dlq` with the reason in its headers and the original is acked. Either way the
 * same connection and consumer go on with the next message, and one ERROR line says where it went.
 * The server's default queue gets the same fate.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import type { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { consumeName, startApp, type RecordingLogger } from '../consumer-pipeline/support.js';
import { Admin, connectionNames, waitFor } from './support.js';

const withDlx = consumeName('oversize-dlx');
const parked = consumeName('oversize-parked');
const plain = consumeName('oversize-plain');
const defaultQueue = consumeName('oversize-default');
const connectionName = consumeName('oversize-conn');
const seen: string[] = [];
const KiB = 1024;

@Controller()
class SizedController {
  @QueueConsumer(withDlx, { durable: false, deadLetterExchange: '', deadLetterRoutingKey: parked })
  onWithDlx(@Payload() data: { label: string }): void {
    seen.push(`dlx:${data.label}`);
  }

  @QueueConsumer(plain, { durable: false })
  onPlain(@Payload() data: { label: string }): void {
    seen.push(`plain:${data.label}`);
  }
}

describe('a message over maxBodySize', () => {
  let app: INestMicroservice;
  let server: ServerAMQP;
  let logger: RecordingLogger;
  let admin: Admin;
  const big = JSON.stringify({ label: 'big', pad: 'x'.repeat(100 * KiB) });

  beforeAll(async () => {
    admin = await Admin.open();
    await admin.channel.assertQueue(parked, { durable: false });
    ({ app, server, logger } = await startApp([SizedController], {
      connectionKey: consumeName('oversize-key'),
      connectionName,
      connectionOptions: { maxBodySize: 64 * KiB },
      queue: defaultQueue,
    }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await admin?.cleanup([withDlx, parked, plain, `${plain}.dlq`, defaultQueue, `${defaultQueue}.dlq`]);
    await admin?.close();
  });

  it('with a DLX on the queue: nacked, the broker dead-letters it whole; the next message is handled', async () => {
    await admin.publish('', withDlx, Buffer.from(big), { contentType: 'application/json', messageId: 'big-1' });
    await admin.publish('', withDlx, { label: 'small' });
    await waitFor(() => seen.includes('dlx:small'), 'the small message');
    await waitFor(async () => (await admin.messageCount(parked)) === 1, 'the big message dead-lettered');
    const [dead] = await admin.drain(parked);
    expect(dead!.content.length).toBe(big.length);
    expect(dead!.properties.messageId).toBe('big-1');
    const death = (dead!.properties.headers?.['x-death'] as Array<{ reason: string; count: number }>)[0];
    expect(death).toMatchObject({ reason: 'rejected', count: 1 });
    const fates = logger.fates('messageId "big-1"');
    expect(fates).toHaveLength(1);
    expect(fates[0]).toMatch(/body of \d+ bytes exceeds maxBodySize 65536 .*nacked, dead-lettered through the queue's DLX/);
    expect(await admin.messageCount(withDlx)).toBe(0);
  }, 30_000);

  it('without a DLX: a copy without its body in <queue>.dlq with the reason, the original acked; the same connection goes on', async () => {
    await admin.publish('', plain, Buffer.from(big), { contentType: 'application/json', messageId: 'big-2', headers: { tenant: 'acme' } });
    await admin.publish('', plain, { label: 'small' });
    await waitFor(() => seen.includes('plain:small'), 'the small message');
    await waitFor(async () => (await admin.messageCount(`${plain}.dlq`)) === 1, 'the copy in the dead-letter queue');
    const [copy] = await admin.drain(`${plain}.dlq`);
    expect(copy!.content.length).toBe(0);
    expect(copy!.properties.messageId).toBe('big-2');
    const headers = copy!.properties.headers ?? {};
    expect(headers['tenant']).toBe('acme');
    expect(headers['x-failed-queue']).toBe(plain);
    expect(String(headers['x-failure-reason'])).toMatch(new RegExp(`^body of ${big.length} bytes exceeds maxBodySize 65536`));
    expect(headers['x-exception-class']).toBe('OversizeMessageError');
    expect(logger.fates('messageId "big-2"')).toEqual([expect.stringMatching(/moved to dead-letter queue/)]);
    // Acked, not left unacked or requeued: nothing of it is back in the queue.
    expect(await admin.messageCount(plain)).toBe(0);
    expect(seen.filter((label) => label.endsWith(':big'))).toEqual([]);
    // Not a reconnect: the connection that took the big messages is the one still open.
    expect((await connectionNames()).filter((name) => name === connectionName).length).toBeGreaterThanOrEqual(1);
    expect(server.unwrap<{ isOpen: boolean }>().isOpen).toBe(true);
    await admin.publish('', plain, { label: 'after' });
    await waitFor(() => seen.includes('plain:after'), 'the message after');
  }, 30_000);

  it("the server's default queue: the same fate, a copy without its body in <queue>.dlq", async () => {
    await admin.publish('', defaultQueue, Buffer.from(big), { contentType: 'application/json', messageId: 'big-3' });
    await waitFor(async () => (await admin.messageCount(`${defaultQueue}.dlq`)) === 1, 'the copy in the dead-letter queue');
    const [copy] = await admin.drain(`${defaultQueue}.dlq`);
    expect(copy!.content.length).toBe(0);
    expect(copy!.properties.messageId).toBe('big-3');
    expect(String(copy!.properties.headers?.['x-failure-reason'])).toMatch(/^body of \d+ bytes exceeds maxBodySize 65536/);
    expect(await admin.messageCount(defaultQueue)).toBe(0);
  }, 30_000);
});
