/**
 * Self-test of the rabbitmqctl helpers against the real broker, with amqplib as the client: they
 * list and force-close a real connection (their own) and read and delete real queues. The memory alarm
 * helpers are checked in broker-alarm.faults.ts (`npm run test:faults`).
 */
import { describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeConnection,
  deleteQueue,
  listConnections,
  queueInfo,
  RabbitmqctlError,
  rabbitmqctl,
  waitForBroker,
  waitForConnection,
} from '../../support/broker.js';
import { brokerAddress, brokerUrl, brokerVhost } from '../../support/broker-url.js';

const URL = brokerUrl();

function connectNamed(name: string): Promise<amqp.ChannelModel> {
  return amqp.connect(URL, { clientProperties: { connection_name: name } });
}

function closeOf(conn: amqp.ChannelModel): Promise<Error | undefined> {
  return new Promise((resolve) => conn.once('close', (error?: Error) => resolve(error)));
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('broker helpers (real broker)', () => {
  it('waitForBroker resolves against the running broker', async () => {
    await expect(waitForBroker({ timeoutMs: 10_000 })).resolves.toBeUndefined();
  });

  it('waitForBroker rejects when nothing answers', async () => {
    await expect(waitForBroker({ port: 1, timeoutMs: 300 })).rejects.toThrow('did not answer');
  });

  it('rabbitmqctl failures are typed and carry the output', async () => {
    const error = await rabbitmqctl(['no_such_command']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RabbitmqctlError);
    expect((error as RabbitmqctlError).stderr).toContain('no_such_command');
  });

  // rabbitmqctl takes 1-3 s a call on a busy 2-core machine: these tests get room beyond jest's 30 s
  const SLOW = 120_000;

  it(
    'lists a real connection with its client properties and force-closes it by connection_name',
    async () => {
      const name = `support-broker-${randomUUID()}`;
      const conn = await connectNamed(name);
      conn.on('error', () => undefined);
      const closed = closeOf(conn);
      try {
        const listed = await waitForConnection(name);
        expect(listed.user).toBe('guest');
        expect(listed.vhost).toBe(brokerVhost());
        expect(listed.pid).toMatch(/^<.+>$/);
        expect(listed.name).toContain(`-> 127.0.0.1:${brokerAddress().port}`);
        expect(listed.clientProperties['product']).toBe('amqplib');
        expect(
          (listed.clientProperties['capabilities'] as Record<string, unknown>)['connection.blocked'],
        ).toBe(true);
        expect((await listConnections()).filter((c) => c.connectionName === name)).toHaveLength(1);

        expect(await closeConnection(name, 'support self-test')).toBe(1);
        const error = await closed;
        // the client got connection.close 320 CONNECTION_FORCED with our reason
        expect(error?.message).toContain('CONNECTION_FORCED');
        expect(error?.message).toContain('support self-test');
        expect((await listConnections()).some((c) => c.connectionName === name)).toBe(false);
        expect(await closeConnection(name)).toBe(0);
      } finally {
        await conn.close().catch(() => undefined);
      }
    },
    SLOW,
  );

  it(
    'closes by pid',
    async () => {
      const name = `support-broker-pid-${randomUUID()}`;
      const conn = await connectNamed(name);
      conn.on('error', () => undefined);
      const closed = closeOf(conn);
      try {
        const { pid } = await waitForConnection(name);
        expect(await closeConnection(pid, 'by pid')).toBe(1);
        expect((await closed)?.message).toContain('by pid');
      } finally {
        await conn.close().catch(() => undefined);
      }
    },
    SLOW,
  );

  it(
    'queueInfo reports messages and consumers; deleteQueue deletes and is idempotent',
    async () => {
      const queue = `support-queue-${randomUUID()}`;
      const conn = await amqp.connect(URL);
      try {
        expect(await queueInfo(queue)).toBeUndefined();
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue(queue, { durable: true, autoDelete: false });
        for (let i = 0; i < 3; i++) ch.sendToQueue(queue, Buffer.from(String(i)));
        await ch.waitForConfirms();
        expect(await queueInfo(queue)).toEqual({
          name: queue,
          messages: 3,
          messagesReady: 3,
          messagesUnacknowledged: 0,
          consumers: 0,
          durable: true,
          type: 'classic',
        });
        await ch.prefetch(1);
        const delivered: string[] = [];
        await ch.consume(queue, (m) => m && delivered.push(m.content.toString()), { noAck: false });
        await until(() => delivered.length === 1, 'a delivery');
        const info = await queueInfo(queue);
        expect(info).toMatchObject({
          messages: 3,
          messagesReady: 2,
          messagesUnacknowledged: 1,
          consumers: 1,
        });
        expect(await deleteQueue(queue)).toBe(true);
        expect(await queueInfo(queue)).toBeUndefined();
        expect(await deleteQueue(queue)).toBe(false);
      } finally {
        await deleteQueue(queue).catch(() => undefined);
        await conn.close().catch(() => undefined);
      }
    },
    SLOW,
  );
});
