/**
 * The three clients of the engine benchmark behind one small interface, each used the way its own
 * documentation recommends for throughput (no peer is handicapped by another's idiom):
 *   engine      this project: await each publish (it settles at once unless the socket pushes back)
 *   amqplib     publish() returns false over the buffer mark: wait for 'drain'; confirms via waitForConfirms
 *   cloudamqp   @cloudamqp/amqp-client: every publish is a promise, awaited in windows
 * The timed region is what lies between `mark.start()` and `mark.stop()`; connecting is outside it.
 */
import { once } from 'node:events';
import amqplib from 'amqplib';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { Connection } from '../../lib/protocol/index.js';

export type PeerName = 'engine' | 'amqplib' | 'cloudamqp';

export interface Task {
  kind: 'publish' | 'publish-confirm' | 'consume-ack' | 'consume-multi';
  queue: string;
  count: number;
  size: number;
  /** Consumers: prefetch; multiple-ack every `ackEvery` deliveries. */
  prefetch: number;
  ackEvery: number;
  /** Publishers with promises: how many may be outstanding at once. */
  window: number;
}

export interface Mark {
  start(): void;
  stop(): void;
}

export type PeerRunner = (url: string, task: Task, mark: Mark) => Promise<void>;

function done(count: number, resolve: () => void) {
  let received = 0;
  return (): boolean => {
    received++;
    if (received === count) resolve();
    return received === count;
  };
}

const engine: PeerRunner = async (url, task, mark) => {
  const connection = await Connection.connect(url);
  const channel = await connection.channel();
  const body = Buffer.alloc(task.size, 0x61);
  if (task.kind === 'publish') {
    mark.start();
    for (let i = 0; i < task.count; i++) await channel.basicPublish('', task.queue, body);
    await channel.queueDeclare({ queue: task.queue, passive: true }); // the broker has read them all
    mark.stop();
  } else if (task.kind === 'publish-confirm') {
    await channel.confirmDelivery();
    mark.start();
    let pending: Array<Promise<void>> = [];
    for (let i = 0; i < task.count; i++) {
      pending.push(channel.basicPublish('', task.queue, body));
      if (pending.length === task.window) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    mark.stop();
  } else {
    await channel.basicQos({ prefetchCount: task.prefetch });
    const multi = task.kind === 'consume-multi';
    await new Promise<void>((resolve) => {
      const count = done(task.count, resolve);
      mark.start();
      void channel.basicConsume(task.queue, (ch, method) => {
        const last = count();
        if (!multi) ch.basicAck(method.deliveryTag);
        else if (last || method.deliveryTag % task.ackEvery === 0) ch.basicAck(method.deliveryTag, true);
      });
    });
    mark.stop();
  }
  await connection.close();
};

const amqplibPeer: PeerRunner = async (url, task, mark) => {
  const connection = await amqplib.connect(url);
  const body = Buffer.alloc(task.size, 0x61);
  if (task.kind === 'publish') {
    const channel = await connection.createChannel();
    mark.start();
    for (let i = 0; i < task.count; i++) {
      if (!channel.sendToQueue(task.queue, body)) await once(channel, 'drain');
    }
    await channel.checkQueue(task.queue);
    mark.stop();
  } else if (task.kind === 'publish-confirm') {
    const channel = await connection.createConfirmChannel();
    mark.start();
    for (let i = 0; i < task.count; i++) {
      if (!channel.sendToQueue(task.queue, body)) await once(channel, 'drain');
      if ((i + 1) % task.window === 0) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
    mark.stop();
  } else {
    const channel = await connection.createChannel();
    await channel.prefetch(task.prefetch);
    const multi = task.kind === 'consume-multi';
    await new Promise<void>((resolve) => {
      const count = done(task.count, resolve);
      mark.start();
      void channel.consume(task.queue, (msg) => {
        if (msg === null) return;
        const last = count();
        if (!multi) channel.ack(msg);
        else if (last || msg.fields.deliveryTag % task.ackEvery === 0) channel.ack(msg, true);
      });
    });
    mark.stop();
  }
  await connection.close();
};

const cloudamqp: PeerRunner = async (url, task, mark) => {
  const client = new AMQPClient(url);
  const connection = await client.connect();
  const channel = await connection.channel();
  const body = Buffer.alloc(task.size, 0x61);
  if (task.kind === 'publish' || task.kind === 'publish-confirm') {
    if (task.kind === 'publish-confirm') await channel.confirmSelect();
    mark.start();
    let pending: Array<Promise<number>> = [];
    for (let i = 0; i < task.count; i++) {
      pending.push(channel.basicPublish('', task.queue, body));
      if (pending.length === task.window) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    if (task.kind === 'publish') await channel.queueDeclare(task.queue, { passive: true });
    mark.stop();
  } else {
    await channel.basicQos(task.prefetch);
    const multi = task.kind === 'consume-multi';
    await new Promise<void>((resolve) => {
      const count = done(task.count, resolve);
      mark.start();
      void channel.basicConsume(task.queue, { noAck: false }, (msg) => {
        const last = count();
        if (!multi) void msg.ack();
        else if (last || msg.deliveryTag % task.ackEvery === 0) void channel.basicAck(msg.deliveryTag, true);
      });
    });
    mark.stop();
  }
  await connection.close();
};

export const PEERS: Record<PeerName, PeerRunner> = { engine, amqplib: amqplibPeer, cloudamqp };
