/**
 * AmqpPublisher.request across a forced disconnect: a request pending when the connection drops can
 * never be answered (direct reply-to is tied to the dead channel), so it must fail at once with the
 * cause instead of waiting out its timeout; a request made after the recovery is answered.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { ConnectionClosedError, RequestTimeoutError } from '../../../../lib/protocol/errors.js';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import { closeConnection, listConnections } from '../../../support/broker.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

describe('AmqpPublisher.request across a forced disconnect', () => {
  const silentQueue = uniqueName('pub-rpc-silent');
  const echoQueue = uniqueName('pub-rpc-echo');
  const name = uniqueName('pub-rpc-conn');
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
    await admin.channel.assertQueue(silentQueue, { durable: false });
    await admin.channel.assertQueue(echoQueue, { durable: false });
    await admin.channel.consume(
      echoQueue,
      (message) => {
        if (message === null) return;
        admin.channel.sendToQueue(message.properties.replyTo as string, message.content, {
          correlationId: message.properties.correlationId as string,
          contentType: 'application/json',
        });
      },
      { noAck: true },
    );
  });

  afterAll(async () => {
    await admin?.deleteQueues(silentQueue, echoQueue);
    await admin?.close();
  });

  it('fails the pending request with the connection error, long before its timeout; answers after recovery', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({
          urls: [AMQP_URL],
          connectionKey: name,
          connectionName: name,
          requestTimeout: 60_000,
          recovery: { initialDelayMs: 50, maxDelayMs: 500 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const publisher = app.get(AmqpPublisher);
      expect(await publisher.request('', echoQueue, { n: 1 })).toEqual({ n: 1 });
      // Nobody answers on this queue: only the connection loss can end the call before 60 s.
      const pending = publisher.request('', silentQueue, { n: 2 }).then(
        () => new Error('the request was answered'),
        (error: unknown) => error,
      );
      const pid = (await waitFor(async () => (await listConnections()).find((c) => c.connectionName === name))).pid;
      await expect(closeConnection(pid)).resolves.toBe(1);
      const outcome = await Promise.race([
        pending,
        new Promise((resolve) => setTimeout(() => resolve('still pending after 10 s'), 10_000).unref()),
      ]);
      expect(outcome).toBeInstanceOf(Error);
      expect(outcome).not.toBeInstanceOf(RequestTimeoutError);
      expect(outcome).toBeInstanceOf(ConnectionClosedError);
      expect((outcome as Error).message).toMatch(/CONNECTION_FORCED|lost/i);
      await waitFor(() => (publisher.connection.recoveries > 0 && publisher.connection.isOpen ? true : undefined), 15_000);
      expect(await publisher.request('', echoQueue, { n: 3 })).toEqual({ n: 3 });
    } finally {
      await app.close();
    }
  });
});
