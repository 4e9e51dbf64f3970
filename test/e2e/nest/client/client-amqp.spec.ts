/**
 * ClientAMQP on its own terms: failing fast on connection loss and on close, timeouts, custom Nest
 * serializers, replies that are not JSON, events and status, and reconnecting on the next call.
 * The server side is Nest's built-in ServerRMQ (known-good) or a bare amqplib responder.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload, Transport, type MicroserviceOptions, type ReadPacket } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { Connection } from '../../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../../lib/protocol/recovery/index.js';
import {
  ConnectionClosedError,
  InvalidStateError,
  MessageReturnedError,
  RequestTimeoutError,
} from '../../../../lib/protocol/errors.js';
import type { AmqpStatus } from '../../../../lib/transport/connection/connection-host.js';
import { closeConnection, listConnections } from '../../../support/broker.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from './support.js';

let slowStarted = 0;

@Controller()
class TestController {
  @MessagePattern('sum')
  sum(@Payload() numbers: number[]): number {
    return numbers.reduce((a, b) => a + b, 0);
  }

  @MessagePattern('slow')
  async slow(@Payload() ms: number): Promise<string> {
    slowStarted += 1;
    // unref: a handler still waiting when the suite ends must not hold the test process open.
    await new Promise((resolve) => setTimeout(resolve, ms).unref());
    return 'late';
  }
}

/** Settles a Nest observable call to its value or its error, for assertions on either. */
function outcome<T>(call: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('ClientAMQP', () => {
  const queue = uniqueName('client-rpc');
  const silentQueue = uniqueName('client-silent');
  const rawQueue = uniqueName('client-raw');
  let server: INestMicroservice;
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
    await admin.channel.assertQueue(silentQueue, { durable: false });
    await admin.channel.assertQueue(rawQueue, { durable: false });
    // A responder outside Nest that answers with a body that is not JSON.
    await admin.channel.consume(
      rawQueue,
      (message) => {
        if (message === null) return;
        admin.channel.sendToQueue(message.properties.replyTo as string, Buffer.from('plain text, not json'), {
          correlationId: message.properties.correlationId as string,
          contentType: 'text/plain',
        });
      },
      { noAck: true },
    );
    const moduleRef = await Test.createTestingModule({ controllers: [TestController] }).compile();
    server = moduleRef.createNestMicroservice<MicroserviceOptions>({
      transport: Transport.RMQ,
      options: { urls: [AMQP_URL], queue, queueOptions: { durable: false } },
    });
    server.useLogger(false);
    await server.listen();
  });

  afterAll(async () => {
    await server?.close();
    await admin?.deleteQueues(queue, silentQueue, rawQueue);
    await admin?.close();
  });

  function newClient(extra: Partial<ConstructorParameters<typeof ClientAMQP>[0]> = {}): ClientAMQP {
    // Its own connection key and name, so that a forced close hits this client only.
    const name = uniqueName('client');
    return new ClientAMQP({
      urls: [AMQP_URL],
      queue,
      queueOptions: { durable: false },
      connectionKey: name,
      connectionName: name,
      ...extra,
    });
  }

  it('rejects every pending request at once when the connection is lost, recovers, and answers again', async () => {
    const name = uniqueName('forced');
    const client = newClient({ connectionKey: name, connectionName: name, timeout: 20_000 });
    const statuses: AmqpStatus[] = [];
    const connectedEvents: number[] = [];
    client.status.subscribe((status) => statuses.push(status));
    client.on('connected', () => connectedEvents.push(Date.now()));
    try {
      const connection = await client.connect();
      // Listed before the requests start: under load a listing takes seconds, and the close must
      // land while the 10 s handlers still run.
      const listed = (await listConnections()).filter((c) => c.connectionName === name);
      expect(listed).toHaveLength(1);
      const before = slowStarted;
      const pending = Array.from({ length: 5 }, () => outcome(firstValueFrom(client.send('slow', 10_000))));
      await waitFor(() => (slowStarted - before === 5 ? true : undefined));
      await expect(closeConnection(listed[0]!.pid)).resolves.toBe(1);
      const results = await Promise.all(pending);
      for (const result of results) {
        expect(result.error).toBeInstanceOf(ConnectionClosedError);
        expect((result.error as ConnectionClosedError).replyCode).toBe(320);
      }
      expect(statuses).toContain('reconnecting');
      // A request made during the recovery waits for it instead of failing.
      await expect(firstValueFrom(client.send<number>('sum', [2, 3]))).resolves.toBe(5);
      await waitFor(() => (statuses[statuses.length - 1] === 'connected' ? true : undefined));
      // connect() at start, then once more after the recovery
      expect(connectedEvents.length).toBeGreaterThanOrEqual(2);
      expect(client.unwrap()).toBe(connection);
      expect(connection.recoveries).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('with recovery off: rejects pending requests, reports disconnected, and reconnects on the next call', async () => {
    const name = uniqueName('forced-norecovery');
    const client = newClient({ connectionKey: name, connectionName: name, timeout: 20_000, recovery: false });
    const statuses: AmqpStatus[] = [];
    const disconnects: unknown[] = [];
    client.status.subscribe((status) => statuses.push(status));
    client.on('disconnected', (error) => disconnects.push(error));
    try {
      const first = await client.connect();
      // Listed before the requests start: under load a listing takes seconds, and the close must
      // land while the 10 s handlers still run.
      const listed = (await listConnections()).filter((c) => c.connectionName === name);
      expect(listed).toHaveLength(1);
      const before = slowStarted;
      const pending = Array.from({ length: 3 }, () => outcome(firstValueFrom(client.send('slow', 10_000))));
      await waitFor(() => (slowStarted - before === 3 ? true : undefined));
      await expect(closeConnection(listed[0]!.pid)).resolves.toBe(1);
      for (const result of await Promise.all(pending)) {
        expect(result.error).toBeInstanceOf(ConnectionClosedError);
        expect((result.error as ConnectionClosedError).replyCode).toBe(320);
      }
      expect(disconnects).toHaveLength(1);
      expect(disconnects[0]).toBeInstanceOf(ConnectionClosedError);
      expect(statuses).toContain('disconnected');
      expect(statuses).not.toContain('reconnecting');
      // The next call opens a new connection by itself.
      await expect(firstValueFrom(client.send<number>('sum', [2, 3]))).resolves.toBe(5);
      expect(client.unwrap()).not.toBe(first);
      expect(statuses[statuses.length - 1]).toBe('connected');
    } finally {
      await client.close();
    }
  });

  it('rejects pending requests with a clean-close error when the client is closed', async () => {
    const client = newClient({ timeout: 20_000 });
    await client.connect();
    const before = slowStarted;
    const pending = outcome(firstValueFrom(client.send('slow', 10_000)));
    await waitFor(() => (slowStarted > before ? true : undefined));
    await client.close();
    const { error } = await pending;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as ConnectionClosedError).replyCode).toBe(200);
  });

  it('fails a request nobody answers with RequestTimeoutError after the client timeout', async () => {
    const client = newClient({ queue: silentQueue, timeout: 200 });
    try {
      const { error } = await outcome(firstValueFrom(client.send('anything', 1)));
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect((error as RequestTimeoutError).timeoutMs).toBe(200);
      expect((error as RequestTimeoutError).pattern).toBe('anything');
    } finally {
      await client.close();
    }
  });

  it('fails an emit to a queue that does not exist with MessageReturnedError instead of a silent drop', async () => {
    const missing = uniqueName('client-missing');
    const client = newClient({ queue: missing, noAssert: true });
    try {
      const { error } = await outcome(lastValueFrom(client.emit('lost?', { n: 1 }), { defaultValue: undefined }));
      expect(error).toBeInstanceOf(MessageReturnedError);
      expect((error as MessageReturnedError).replyCode).toBe(312);
      expect((error as MessageReturnedError).routingKey).toBe(missing);
      // The client goes on: an emit to its existing queue still settles on the confirm.
      const ok = newClient();
      try {
        await expect(lastValueFrom(ok.emit('noted', { n: 2 }), { defaultValue: undefined })).resolves.toBeUndefined();
      } finally {
        await ok.close();
      }
    } finally {
      await client.close();
    }
  });

  it('honours a custom Nest serializer and deserializer', async () => {
    const client = newClient({
      serializer: {
        serialize: (packet: ReadPacket<number[]>) => ({ ...packet, data: packet.data.map((n) => n * 10) }),
      },
      deserializer: {
        deserialize: (value: { response?: unknown; isDisposed?: boolean; id?: string }) => ({
          ...value,
          response: `got:${String(value.response)}`,
        }),
      },
    });
    try {
      await expect(firstValueFrom(client.send<string>('sum', [1, 2, 3]))).resolves.toBe('got:60');
    } finally {
      await client.close();
    }
  });

  it('hands a reply that is not JSON over as its text instead of failing', async () => {
    const client = newClient({ queue: rawQueue });
    try {
      await expect(firstValueFrom(client.send<string>('whatever', {}))).resolves.toBe('plain text, not json');
    } finally {
      await client.close();
    }
  });

  it('unwraps to the engine connection once connected, and refuses before', async () => {
    const client = newClient();
    try {
      expect(() => client.unwrap()).toThrow(InvalidStateError);
      const connection = await client.connect();
      expect(client.unwrap()).toBe(connection);
      expect(connection).toBeInstanceOf(RecoveringConnection);
      expect(connection.unwrap()).toBeInstanceOf(Connection);
      expect(connection.isOpen).toBe(true);
      await expect(firstValueFrom(client.status)).resolves.toBe('connected');
    } finally {
      await client.close();
    }
  });

  it('survives an event listener that throws (logged, not thrown into the connection)', async () => {
    const client = newClient();
    let called = 0;
    client.on('connected', () => {
      called += 1;
      throw new Error('listener bug');
    });
    try {
      await client.connect();
      expect(called).toBe(1);
      await expect(firstValueFrom(client.send<number>('sum', [4, 5]))).resolves.toBe(9);
    } finally {
      await client.close();
    }
  });

  it('shares one connection between clients with the same key, and closes it with the last one', async () => {
    const key = uniqueName('shared');
    const first = newClient({ connectionKey: key, connectionName: key });
    const second = newClient({ connectionKey: key, connectionName: key });
    const connection = await first.connect();
    await expect(second.connect()).resolves.toBe(connection);
    await first.close();
    expect(connection.isOpen).toBe(true);
    await expect(firstValueFrom(second.send<number>('sum', [1, 1]))).resolves.toBe(2);
    await second.close();
    expect(connection.isOpen).toBe(false);
  });
});
