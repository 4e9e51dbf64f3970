/**
 * One connection per app: AmqpModule's publisher, a ClientAMQP and a ServerAMQP with the same
 * connectionKey and URLs share one AMQP connection, which app shutdown closes.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { Controller, Module } from '@nestjs/common';
import { ClientsModule, type ClientProxy, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { AmqpModule, AmqpPublisher, ClientAMQP, ServerAMQP } from '../../../../lib/index.js';
import type { Connection } from '../../../../lib/protocol/index.js';
import { listConnections } from '../../../support/broker.js';
import { AMQP_URL, openAdmin, uniqueName } from '../client/support.js';

const queue = uniqueName('shared-rpc');
const name = uniqueName('shared-conn');
const CONNECTION = { urls: [AMQP_URL], connectionKey: name, connectionName: name };

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(@Payload() value: unknown): unknown {
    return value;
  }
}

@Module({
  imports: [
    AmqpModule.forRoot({ ...CONNECTION }),
    ClientsModule.register([{ name: 'ECHO', customClass: ClientAMQP, options: { ...CONNECTION, queue, queueOptions: { durable: false } } }]),
  ],
  controllers: [EchoController],
})
class AppModule {}

describe('a hybrid app with AmqpModule, ClientAMQP and ServerAMQP', () => {
  afterAll(async () => {
    const admin = await openAdmin();
    await admin.deleteQueues(queue);
    await admin.close();
  });

  it('holds one AMQP connection for all three and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const server = new ServerAMQP({ ...CONNECTION, queue, queueOptions: { durable: false } });
    app.connectMicroservice({ strategy: server });
    let closed = false;
    try {
      await app.startAllMicroservices();
      await app.init();
      const client = app.get<ClientProxy>('ECHO');
      await expect(firstValueFrom(client.send('echo', { ok: 1 }))).resolves.toEqual({ ok: 1 });
      const publisherConnection = app.get(AmqpPublisher).connection;
      expect(server.unwrap<Connection>()).toBe(publisherConnection);
      expect((client as ClientAMQP).unwrap<Connection>()).toBe(publisherConnection);
      const listed = (await listConnections()).filter((c) => c.connectionName === name);
      expect(listed).toHaveLength(1);
      await app.close();
      closed = true;
      expect(publisherConnection.isOpen).toBe(false);
    } finally {
      if (!closed) await app.close();
    }
  });
});
