import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Connection } from '../../../lib/protocol/connection/connection.js';
import { ChannelClosedError } from '../../../lib/protocol/errors.js';
import { cleanup, connect, uniqueName } from './broker.js';

describe('Channel e2e: declare, bind, unbind, delete', () => {
  let connection: Connection;
  const queues: string[] = [];
  const exchanges: string[] = [];

  beforeAll(async () => {
    connection = await connect();
  });

  afterAll(async () => {
    try {
      await cleanup(connection, queues, exchanges);
    } finally {
      await connection.close();
    }
  });

  it('declares, binds, routes through, unbinds and deletes exchanges and queues', async () => {
    const channel = await connection.channel();
    const source = uniqueName('src');
    const destination = uniqueName('dst');
    const queue = uniqueName('q');
    exchanges.push(source, destination);
    queues.push(queue);

    await expect(
      channel.exchangeDeclare({ exchange: source, exchangeType: 'topic', autoDelete: false }),
    ).resolves.toEqual({});
    await channel.exchangeDeclare({ exchange: destination, exchangeType: 'fanout' });
    await expect(
      channel.exchangeDeclare({ exchange: source, exchangeType: 'topic', passive: true }),
    ).resolves.toEqual({});
    const declared = await channel.queueDeclare({ queue, arguments: { 'x-queue-mode': 'default' } });
    expect(declared).toEqual({ queue, messageCount: 0, consumerCount: 0 });

    await channel.exchangeBind({ destination, source, routingKey: 'a.*' });
    await channel.queueBind({ queue, exchange: destination });
    await channel.basicPublish(source, 'a.b', 'routed');
    await channel.basicPublish(source, 'b.c', 'not routed');
    const routed = await channel.basicGet(queue, { autoAck: true });
    expect(routed?.body.toString()).toBe('routed');
    expect(routed?.method).toMatchObject({ exchange: source, routingKey: 'a.b', messageCount: 0 });
    await expect(channel.basicGet(queue)).resolves.toBeNull();

    await channel.exchangeUnbind({ destination, source, routingKey: 'a.*' });
    await channel.basicPublish(source, 'a.b', 'after exchange unbind');
    await channel.queueUnbind({ queue, exchange: destination });
    await expect(channel.basicGet(queue)).resolves.toBeNull();

    await channel.basicPublish('', queue, 'direct');
    await channel.basicPublish('', queue, 'direct 2');
    // the queue now holds two messages, so ifEmpty refuses: 406 closes this channel only
    const refused = await channel.queueDelete({ queue, ifEmpty: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelClosedError);
    expect(refused).toMatchObject({ replyCode: 406, initiator: 'broker', classId: 50, methodId: 40 });
    expect(channel.state).toBe('CLOSED');

    const second = await connection.channel();
    await expect(second.queuePurge({ queue })).resolves.toEqual({ messageCount: 2 });
    await expect(second.queueDelete({ queue, ifEmpty: true })).resolves.toEqual({ messageCount: 0 });
    await second.exchangeDelete({ exchange: destination });
    await second.exchangeDelete({ exchange: source, ifUnused: true });
    const missing = await second
      .exchangeDeclare({ exchange: source, passive: true })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ replyCode: 404, initiator: 'broker' });
    expect(connection.isOpen).toBe(true);
  });

  it('a server-named queue comes back in declare-ok', async () => {
    const channel = await connection.channel();
    const { queue } = await channel.queueDeclare({ exclusive: true });
    expect(queue).toMatch(/^amq\.gen-/);
    await channel.close();
  });
});
