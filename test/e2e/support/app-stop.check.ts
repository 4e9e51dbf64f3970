/**
 * Self-check of withAppStopped / stopApp / startApp against the real broker. Not a jest spec on
 * purpose: stopping the app drops every connection on the broker, so it must not run beside other
 * suites in `npm test`. Run it alone: `npm run test:broker-app`. Exits 1 on any failure.
 */
import amqp from 'amqplib';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { queueInfo, deleteQueue, waitForBroker, withAppStopped } from '../../support/broker.js';

const URL = 'amqp://guest:guest@127.0.0.1:5672';

function refused(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 5672 });
    socket.once('error', () => resolve(true));
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function main(): Promise<void> {
  const queue = `support-app-${randomUUID()}`;
  const conn = await amqp.connect(URL);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true, autoDelete: false });
  ch.sendToQueue(queue, Buffer.from('persistent'), { persistent: true });
  await ch.waitForConfirms();
  const closed = new Promise<Error | undefined>((resolve) => conn.once('close', resolve));
  conn.on('error', () => undefined);

  const started = Date.now();
  const result = await withAppStopped(async () => {
    const error = await closed;
    assert.ok(error, 'the client connection was dropped by stop_app');
    assert.equal(await refused(), true, 'AMQP connections are refused while the app is stopped');
    return 'inside';
  });
  assert.equal(result, 'inside');
  await waitForBroker({ timeoutMs: 5000 });
  const info = await queueInfo(queue);
  assert.equal(info?.messages, 1, 'the durable queue kept its persistent message across the restart');
  await deleteQueue(queue);
  console.log(
    `withAppStopped: stopped, dropped the client, refused AMQP, restarted and kept the queue (${Date.now() - started} ms)`,
  );

  // a throwing body still gets the app started again
  await assert.rejects(
    withAppStopped(() => {
      throw new Error('body failed');
    }),
    /body failed/,
  );
  await waitForBroker({ timeoutMs: 5000 });
  const again = await amqp.connect(URL);
  await again.close();
  console.log('withAppStopped: restarted after a throwing body');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
