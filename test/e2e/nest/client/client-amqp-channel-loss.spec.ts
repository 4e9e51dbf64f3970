/**
 * ClientAMQP when the broker closes its RPC channel but not the connection (a request to an
 * exchange that does not exist: 404 closes the channel): the pending call fails with the broker's
 * reason, and the next call works on a new channel instead of failing for the client's lifetime.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { ChannelClosedError } from '../../../../lib/protocol/errors.js';
import { AmqpRecord } from '../../../../lib/transport/client/amqp.record-builder.js';
import { ClientAMQP } from '../../../../lib/transport/client/client-amqp.js';
import { AMQP_URL, openAdmin, uniqueName, type Admin } from './support.js';

describe('ClientAMQP after its RPC channel was closed by the broker', () => {
  const queue = uniqueName('client-chloss');
  const connectionKey = uniqueName('client-chloss-conn');
  let admin: Admin;
  let client: ClientAMQP;

  beforeAll(async () => {
    admin = await openAdmin();
    await admin.channel.assertQueue(queue, { durable: false });
    // A responder outside Nest answering every request as Nest's ServerRMQ would.
    await admin.channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const request = JSON.parse(message.content.toString()) as { id: string; data: number[] };
        const reply = { id: request.id, response: request.data.reduce((a, b) => a + b, 0), isDisposed: true };
        admin.channel.sendToQueue(message.properties.replyTo as string, Buffer.from(JSON.stringify(reply)), {
          correlationId: message.properties.correlationId as string,
        });
      },
      { noAck: true },
    );
    client = new ClientAMQP({ urls: [AMQP_URL], queue, connectionKey, queueOptions: { durable: false }, timeout: 5_000 });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  it('fails the request that closed the channel, then answers the next one', async () => {
    expect(await firstValueFrom(client.send<number>('sum', [1, 2]))).toBe(3);
    const missing = uniqueName('client-chloss-missing-exchange');
    const failed = await firstValueFrom(client.send('sum', new AmqpRecord([1], { exchange: missing }))).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(ChannelClosedError);
    expect((failed as ChannelClosedError).message).toContain(missing);
    // The connection is fine: the client must not be stuck with the dead channel.
    expect(await firstValueFrom(client.send<number>('sum', [4, 5]))).toBe(9);
    expect(await firstValueFrom(client.send<number>('sum', [6]))).toBe(6);
  });
});
