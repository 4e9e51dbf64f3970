/**
 * close() called while listen() is still connecting (an app shut down during its start): the server
 * must stay closed. Nothing may start consuming afterwards (messages would be taken by a server that
 * no longer drains or acks them on shutdown), and no connection may be left open.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { AMQP_URL, Admin, connectionNames, sleep, uniqueName } from './support.js';
import { queueCounts } from '../../../support/queue-probe.js';

const queue = uniqueName('close-during-listen');
const missing = uniqueName('close-during-listen-missing');

@Controller()
class Consumer {
  @QueueConsumer(queue, { durable: false })
  onMessage(): void {}
}

@Controller()
class FailingConsumer {
  @QueueConsumer(missing, { passive: true })
  onMessage(): void {}
}

let admin: Admin;

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(queue, { durable: false });
});

afterAll(async () => {
  await admin?.cleanup([queue]);
  await admin?.close();
});

describe('ServerAMQP closed during listen()', () => {
  it('starts no consumer and leaves no connection once close() has resolved', async () => {
    const connectionName = uniqueName('close-during-listen-conn');
    const moduleRef = await Test.createTestingModule({ controllers: [Consumer] }).compile();
    const server = new ServerAMQP({ urls: [AMQP_URL], connectionName, connectionKey: connectionName });
    const app = moduleRef.createNestMicroservice({ strategy: server });
    app.useLogger(false);
    await app.init();
    const listened = new Promise<unknown>((resolve) => {
      void server.listen((error?: unknown) => resolve(error));
    });
    await server.close();
    // Either outcome of listen is acceptable; what matters is what is left on the broker.
    await listened;
    await sleep(500);
    expect((await queueCounts(queue))?.consumerCount).toBe(0);
    expect(await connectionNames()).not.toContain(connectionName);
    expect(server.getHealth()).toMatchObject({ connected: false, consumers: 0 });
    await server.close();
  });

  it('a listen that fails while close() waits releases the shared connection once: its other holder keeps it', async () => {
    const connectionName = uniqueName('close-during-failing-listen-conn');
    const options = { urls: [AMQP_URL], connectionName, connectionKey: connectionName };
    const other = await AmqpConnectionHost.acquire(options);
    try {
      const moduleRef = await Test.createTestingModule({ controllers: [FailingConsumer] }).compile();
      const server = new ServerAMQP(options);
      const app = moduleRef.createNestMicroservice({ strategy: server });
      app.useLogger(false);
      await app.init();
      const listened = new Promise<unknown>((resolve) => {
        void server.listen((error?: unknown) => resolve(error));
      });
      const closed = server.close();
      expect(await listened).toBeInstanceOf(Error);
      await closed;
      expect(other.holderCount).toBe(1);
      expect(other.connection.isOpen).toBe(true);
      expect(await connectionNames()).toContain(connectionName);
    } finally {
      await other.release();
    }
  });
});
