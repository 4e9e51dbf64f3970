/**
 * Self-test of withAppStopped / stopApp / startApp. Stopping the app drops every connection on the
 * broker, so it runs in `npm run test:faults`, against the private node.
 */
import { describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { BROKER_PORT, deleteQueue, queueInfo, waitForBroker, withAppStopped } from '../../support/broker.js';

const URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

function refused(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: BROKER_PORT });
    socket.once('error', () => resolve(true));
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('withAppStopped (private node)', () => {
  it('stops the app (dropping clients, refusing AMQP), starts it again, and the durable queue keeps its message', async () => {
    const queue = `support-app-${randomUUID()}`;
    const conn = await amqp.connect(URL);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(queue, { durable: true, autoDelete: false });
    ch.sendToQueue(queue, Buffer.from('persistent'), { persistent: true });
    await ch.waitForConfirms();
    const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
    conn.on('error', () => undefined);
    const result = await withAppStopped(async () => {
      expect(await closed).toBeDefined();
      expect(await refused()).toBe(true);
      return 'inside';
    });
    expect(result).toBe('inside');
    await waitForBroker({ timeoutMs: 5000 });
    expect((await queueInfo(queue))?.messages).toBe(1);
    await deleteQueue(queue);
  }, 120_000);

  it('starts the app again after a throwing body', async () => {
    await expect(
      withAppStopped(() => {
        throw new Error('body failed');
      }),
    ).rejects.toThrow('body failed');
    await waitForBroker({ timeoutMs: 5000 });
    const again = await amqp.connect(URL);
    await again.close();
  }, 120_000);
});
