/**
 * What a recovery restores and what it refuses, against the real broker: consumers re-attached with
 * their tags, redeliveries flagged, stale acks refused with a typed error, server-named queues
 * re-declared and re-mapped (bindings included), the publish buffer's bound, publishes on the wire
 * at the moment of the loss, and giving up after maxAttempts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConnectionClosedError,
  ConnectionLostError,
  OutageBudgetError,
  RecoveryFailedError,
  StaleDeliveryError,
  URLParameters,
  type BasicDeliver,
} from '../../../lib/protocol/index.js';
import { RecoveringConnection, type RecoveringChannel } from '../../../lib/protocol/recovery/index.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { BROKER_URL, closeConnection, uniqueName } from './broker-control.js';
import { deleteQueue, FAST_RECOVERY, nextRecovery } from './publish-through-faults.js';

interface Delivery {
  method: BasicDeliver;
  body: string;
  channel: RecoveringChannel;
}

/** Collects deliveries; `next(n)` resolves once n of them arrived in total. */
function collector(): {
  deliveries: Delivery[];
  next(count: number): Promise<void>;
  onMessage: (c: RecoveringChannel, m: BasicDeliver, p: unknown, b: Buffer) => void;
} {
  const deliveries: Delivery[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    deliveries,
    onMessage: (channel, method, _properties, body) => {
      deliveries.push({ channel, method, body: body.toString() });
      for (const waiter of waiters.filter((w) => deliveries.length >= w.count)) waiter.resolve();
    },
    next: (count) =>
      deliveries.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

function connect(name: string, url = BROKER_URL, recovery = FAST_RECOVERY): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(new URLParameters(url).with({ connectionName: name }), { recovery });
}

describe('recovery against the real broker', () => {
  const queues: string[] = [];
  const connections: RecoveringConnection[] = [];

  afterAll(async () => {
    for (const connection of connections) await connection.close().catch(() => undefined);
    for (const queue of queues) await deleteQueue(BROKER_URL, queue);
  });

  it('re-attaches consumers with their tags, flags redeliveries, and refuses stale acks with StaleDeliveryError', async () => {
    const name = uniqueName('rec-consumer');
    const queue = uniqueName('rec-redeliver-q');
    queues.push(queue);
    const connection = await connect(name);
    connections.push(connection);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue, durable: false, autoDelete: false });
    await channel.basicQos({ prefetchCount: 10 });
    const seen = collector();
    const tag = await channel.basicConsume(queue, seen.onMessage, { consumerTag: 'rec-tag-1' });
    expect(tag).toBe('rec-tag-1');

    await channel.basicPublish('', queue, 'first');
    await seen.next(1);
    const before = seen.deliveries[0]!;
    expect(before.method.redelivered).toBe(false);
    expect(channel.generation).toBe(1);

    const recovered = nextRecovery(connection);
    await closeConnection(name);
    await recovered;

    // The unacked message comes back on the new channel, flagged by the broker, to the same consumer.
    await seen.next(2);
    const after = seen.deliveries[1]!;
    expect(after.body).toBe('first');
    expect(after.method.redelivered).toBe(true);
    expect(after.method.consumerTag).toBe('rec-tag-1');
    expect(after.method.deliveryTag).toBeGreaterThan(before.method.deliveryTag);
    expect(channel.generation).toBe(2);

    // The old tag belongs to the dead channel: refused, not sent as an ack of some other message.
    expect(() => channel.basicAck(before.method.deliveryTag)).toThrow(StaleDeliveryError);
    expect(() => channel.basicNack(before.method.deliveryTag)).toThrow(StaleDeliveryError);
    expect(channel.isStale(before.method.deliveryTag)).toBe(true);
    channel.basicAck(after.method.deliveryTag);

    // The consumer keeps consuming new messages after the recovery.
    await channel.basicPublish('', queue, 'second');
    await seen.next(3);
    expect(seen.deliveries[2]!.body).toBe('second');
    channel.basicAck(seen.deliveries[2]!.method.deliveryTag);
    // Nothing left unacked: the queue is empty and the channel still open (no 406 from a bad ack).
    await sleep(100);
    const state = await channel.queueDeclare({ queue, passive: true });
    expect(state.messageCount).toBe(0);
    expect(state.consumerCount).toBe(1);
    expect(channel.isOpen).toBe(true);
  });

  it('re-declares a server-named queue, re-maps its name in bindings and later calls', async () => {
    const name = uniqueName('rec-named');
    const exchange = uniqueName('rec-x');
    const connection = await connect(name);
    connections.push(connection);
    const channel = await connection.channel();
    await channel.exchangeDeclare({ exchange, exchangeType: 'direct', autoDelete: false, durable: false });
    const declared = await channel.queueDeclare({ queue: '', exclusive: true });
    await channel.queueBind({ queue: declared.queue, exchange, routingKey: 'k' });
    const seen = collector();
    await channel.basicConsume(declared.queue, seen.onMessage, { autoAck: true });

    const renamed = once(connection, 'queueNameChanged');
    const recovered = nextRecovery(connection);
    await closeConnection(name);
    await recovered;
    const [oldName, newName] = (await renamed) as [string, string];
    expect(oldName).toBe(declared.queue);
    expect(newName).not.toBe(declared.queue);
    expect(connection.queueName(declared.queue)).toBe(newName);

    try {
      // Through the re-created binding, to the re-attached consumer on the new queue.
      await channel.basicPublish(exchange, 'k', 'via-binding');
      // Addressed by the old name on the default exchange: mapped to the new one.
      await channel.basicPublish('', declared.queue, 'via-old-name');
      await seen.next(2);
      expect(seen.deliveries.map((d) => d.body)).toEqual(['via-binding', 'via-old-name']);
      const passive = await channel.queueDeclare({ queue: declared.queue, passive: true });
      expect(passive.queue).toBe(newName);
    } finally {
      await channel.exchangeDelete({ exchange }).catch(() => undefined);
    }
  });

  it('buffers publishes while disconnected up to its bound, rejects the next at once, sends the held ones in order', async () => {
    const name = uniqueName('rec-buffer');
    const queue = uniqueName('rec-buffer-q');
    queues.push(queue);
    const connection = await RecoveringConnection.connect(
      new URLParameters(BROKER_URL).with({ connectionName: name }),
      {
        recovery: { ...FAST_RECOVERY, publishBuffer: true, outage: { maxMessages: 3 } },
      },
    );
    connections.push(connection);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue, autoDelete: false });
    await channel.confirmDelivery();

    const held: Array<Promise<void>> = [];
    let refused: Promise<unknown> | undefined;
    let recoveringWhenRefused: boolean | undefined;
    connection.once('recovering', () => {
      // Synchronously inside the loss: the connection is down, nothing can be sent.
      for (const body of ['b1', 'b2', 'b3']) held.push(channel.basicPublish('', queue, body));
      refused = channel.basicPublish('', queue, 'b4').catch((error: unknown) => {
        recoveringWhenRefused = connection.isRecovering;
        return error;
      });
    });
    const recovered = nextRecovery(connection);
    await closeConnection(name);
    await recovered;

    const error = await refused;
    expect(error).toBeInstanceOf(OutageBudgetError);
    expect(error).toMatchObject({ bound: 'messages', maxMessages: 3, heldMessages: 3 });
    expect(recoveringWhenRefused).toBe(true);
    await Promise.all(held);
    expect(connection.bufferedPublishes).toEqual({ messages: 0, bytes: 0 });

    const bodies: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const message = await channel.basicGet(queue, { autoAck: true });
      bodies.push(message?.body.toString() ?? '(none)');
    }
    expect(bodies).toEqual(['b1', 'b2', 'b3']);
    expect(await channel.basicGet(queue, { autoAck: true })).toBeNull();
  });

  describe('through a TCP proxy', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await TcpProxy.start();
    });
    afterAll(async () => {
      await proxy.close();
    });

    it('a confirm-mode publish on the wire when the connection dies rejects; publishWithRetry gets it confirmed', async () => {
      const queue = uniqueName('rec-wire-q');
      queues.push(queue);
      const connection = await connect(uniqueName('rec-wire'), proxy.url());
      connections.push(connection);
      const channel = await connection.channel();
      await channel.queueDeclare({ queue, autoDelete: false });
      await channel.confirmDelivery();

      proxy.pause();
      const plain = Array.from({ length: 50 }, (_, i) =>
        channel.basicPublish('', queue, `plain-${i}`).then(
          () => 'confirmed',
          (e: unknown) => e,
        ),
      );
      const retried = Array.from({ length: 50 }, (_, i) =>
        channel.publishWithRetry('', queue, `retried-${i}`),
      );
      await sleep(50);
      const recovered = nextRecovery(connection);
      proxy.dropAll();
      proxy.resume();

      const outcomes = await Promise.all(plain);
      for (const outcome of outcomes) {
        expect(outcome).toBeInstanceOf(ConnectionClosedError);
      }
      expect(outcomes.some((o) => o instanceof ConnectionLostError)).toBe(true);
      await recovered;
      await Promise.all(retried);
      const state = await channel.queueDeclare({ queue, passive: true });
      expect(state.messageCount).toBe(50);
    });

    it('gives up after maxAttempts with recoveryFailed and fails buffered publishes', async () => {
      const closing = await TcpProxy.start();
      const connection = await RecoveringConnection.connect(closing.url(), {
        recovery: { initialDelayMs: 50, maxDelayMs: 100, maxAttempts: 3, publishBuffer: true, outage: { maxMessages: 10 } },
      });
      const channel = await connection.channel();
      const attempts: number[] = [];
      connection.on('recoveryAttemptFailed', (_error, attempt) => attempts.push(attempt));
      const failed = once(connection, 'recoveryFailed');
      const closed = once(connection, 'close');
      let buffered: Promise<unknown> | undefined;
      connection.once('recovering', () => {
        buffered = channel.basicPublish('', 'anything', 'x').catch((e: unknown) => e);
      });
      await closing.close(); // no listener any more: every reconnect is refused
      const [error] = (await failed) as [RecoveryFailedError];
      expect(error).toBeInstanceOf(RecoveryFailedError);
      expect(error.attempts).toBe(3);
      expect(attempts).toEqual([1, 2, 3]);
      const [closeError] = await closed;
      expect(closeError).toBe(error);
      expect(await buffered).toBe(error);
      expect(connection.state).toBe('CLOSED');
      expect(channel.state).toBe('CLOSED');
      await connection.ioloop.start(); // settles: the connection is closed for good
    });
  });
});
