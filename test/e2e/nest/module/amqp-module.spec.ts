/**
 * AmqpModule.forRoot / forRootAsync through @nestjs/testing against the real broker: topology
 * declared at start, AmqpPublisher settling on confirm, serialization, request/reply, and the
 * connection released on application shutdown.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type amqplib from 'amqplib';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { AmqpPublisher } from '../../../../lib/transport/module/amqp-publisher.js';
import { AMQP_MODULE_OPTIONS } from '../../../../lib/transport/module/amqp.module.js';
import type { AmqpModuleOptions } from '../../../../lib/transport/options/amqp-module.options.js';
import {
  ChannelClosedError,
  MessageReturnedError,
  RequestTimeoutError,
} from '../../../../lib/protocol/errors.js';
import { closeConnection, listConnections } from '../../../support/broker.js';
import { AMQP_URL, openAdmin, uniqueName, waitFor, type Admin } from '../client/support.js';

/** Reads one message from a queue with the admin connection, waiting briefly for it to arrive. */
async function take(admin: Admin, queue: string): Promise<amqplib.GetMessage> {
  return waitFor(async () => (await admin.channel.get(queue, { noAck: true })) || undefined);
}

describe('AmqpModule.forRoot', () => {
  const exchange = uniqueName('mod-ex');
  const queue = uniqueName('mod-q');
  const rpcQueue = uniqueName('mod-rpc');
  let admin: Admin;
  let app: INestApplication;
  let publisher: AmqpPublisher;

  beforeAll(async () => {
    admin = await openAdmin();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({
          urls: [AMQP_URL],
          connectionKey: uniqueName('mod'),
          exchanges: [{ name: exchange, type: 'topic', durable: false, autoDelete: false }],
          queues: [
            { name: queue, durable: false, arguments: { 'x-max-length': 100 } },
            { name: rpcQueue, durable: false },
          ],
          bindings: [{ exchange, queue, routingKey: 'orders.*' }],
          headers: { 'x-app': 'module-test' },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    publisher = app.get(AmqpPublisher);
  });

  afterAll(async () => {
    await app?.close();
    await admin?.deleteQueues(queue, rpcQueue);
    await admin?.deleteExchanges(exchange);
    await admin?.close();
  });

  it('declares the exchanges, queues (with their arguments) and bindings at start', async () => {
    await expect(admin.channel.checkExchange(exchange)).resolves.toBeDefined();
    // Re-declaring with the same arguments succeeds only when they are equivalent.
    await expect(admin.channel.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 100 } })).resolves.toMatchObject({
      queue,
    });
    await publisher.publish(exchange, 'orders.created', { id: 1 });
    const message = await take(admin, queue);
    expect(JSON.parse(message.content.toString())).toEqual({ id: 1 });
  });

  it('has the message in the queue as soon as publish resolved (it settles on the broker confirm)', async () => {
    const marker = uniqueName('confirm');
    await publisher.sendToQueue(queue, { marker }, { persistent: true, messageId: marker, priority: 0 });
    const { messageCount } = await admin.channel.checkQueue(queue);
    expect(messageCount).toBe(1);
    const message = await take(admin, queue);
    expect(JSON.parse(message.content.toString())).toEqual({ marker });
    expect(message.properties.contentType).toBe('application/json');
    expect(message.properties.deliveryMode).toBe(2);
    expect(message.properties.messageId).toBe(marker);
    expect(message.properties.headers?.['x-app']).toBe('module-test');
  });

  it('passes a Buffer through untouched as application/octet-stream', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    await publisher.sendToQueue(queue, bytes);
    const message = await take(admin, queue);
    expect(message.content.equals(bytes)).toBe(true);
    expect(message.properties.contentType).toBe('application/octet-stream');
  });

  it('rejects a publish to a missing exchange with the broker\'s 404, and keeps publishing afterwards', async () => {
    const error = await publisher.publish(uniqueName('missing-ex'), 'x', { a: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).replyCode).toBe(404);
    await publisher.sendToQueue(queue, 'after');
    expect(JSON.parse((await take(admin, queue)).content.toString())).toBe('after');
  });

  it('rejects a mandatory publish nobody is bound for with MessageReturnedError', async () => {
    const error = await publisher.publish(exchange, 'unbound.key.x', { a: 1 }, { mandatory: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageReturnedError);
    expect((error as MessageReturnedError).routingKey).toBe('unbound.key.x');
  });

  it('sendToQueue to a queue that does not exist rejects with MessageReturnedError (mandatory by default); an exchange publish does not', async () => {
    const missing = uniqueName('missing-q');
    const error = await publisher.sendToQueue(missing, { a: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessageReturnedError);
    expect((error as MessageReturnedError).replyCode).toBe(312);
    expect((error as MessageReturnedError).routingKey).toBe(missing);
    // Opting out is explicit.
    await expect(publisher.sendToQueue(missing, { a: 1 }, { mandatory: false })).resolves.toBeUndefined();
    // Through a named exchange, no binding yet is normal publish/subscribe: confirmed, not returned.
    await expect(publisher.publish(exchange, 'nobody.listens.yet', { a: 1 })).resolves.toBeUndefined();
  });

  it('makes requests over direct reply-to and decodes replies by content type', async () => {
    const { consumerTag } = await admin.channel.consume(
      rpcQueue,
      (message) => {
        if (message === null) return;
        const asked = JSON.parse(message.content.toString()) as { kind: string };
        const reply =
          asked.kind === 'json'
            ? { body: Buffer.from(JSON.stringify({ ok: true })), contentType: 'application/json' }
            : asked.kind === 'text'
              ? { body: Buffer.from('plain'), contentType: 'text/plain' }
              : { body: Buffer.from('not json {'), contentType: undefined };
        admin.channel.sendToQueue(message.properties.replyTo as string, reply.body, {
          correlationId: message.properties.correlationId as string,
          contentType: reply.contentType,
        });
      },
      { noAck: true },
    );
    try {
      await expect(publisher.request('', rpcQueue, { kind: 'json' })).resolves.toEqual({ ok: true });
      await expect(publisher.request('', rpcQueue, { kind: 'text' })).resolves.toBe('plain');
      const raw = await publisher.request<Buffer>('', rpcQueue, { kind: 'broken' });
      expect(Buffer.isBuffer(raw)).toBe(true);
      expect(raw.toString()).toBe('not json {');
    } finally {
      await admin.channel.cancel(consumerTag);
    }
  });

  it('times a request out with RequestTimeoutError', async () => {
    const error = await publisher.request('', rpcQueue, { kind: 'json' }, { timeout: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RequestTimeoutError);
    // The unanswered request is still in the queue: drop it so later tests see an empty queue.
    await admin.channel.purgeQueue(rpcQueue);
  });
});

describe('AmqpModule.forRootAsync', () => {
  const queue = uniqueName('mod-async-q');
  const CONFIG = Symbol('CONFIG');

  @Module({ providers: [{ provide: CONFIG, useValue: { url: AMQP_URL, queue } }], exports: [CONFIG] })
  class ConfigModule {}

  @Injectable()
  class OrdersService {
    constructor(@Inject(AmqpPublisher) readonly publisher: AmqpPublisher) {}
    place(order: object): Promise<void> {
      return this.publisher.sendToQueue(queue, order);
    }
  }

  // A feature module that does not import AmqpModule: isGlobal makes the publisher visible.
  @Module({ providers: [OrdersService], exports: [OrdersService] })
  class OrdersModule {}

  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
  });

  afterAll(async () => {
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  it('builds its options from an injected factory, is global, and releases the connection on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRootAsync({
          isGlobal: true,
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { url: string; queue: string }): AmqpModuleOptions => ({
            urls: [config.url],
            connectionKey: uniqueName('mod-async'),
            queues: [{ name: config.queue, durable: false }],
          }),
        }),
        OrdersModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    let closed = false;
    try {
      expect(app.get<AmqpModuleOptions>(AMQP_MODULE_OPTIONS).queues?.[0]?.name).toBe(queue);
      const orders = app.get(OrdersService);
      await orders.place({ n: 7 });
      expect(JSON.parse((await take(admin, queue)).content.toString())).toEqual({ n: 7 });
      const connection = app.get(AmqpPublisher).connection;
      expect(connection.isOpen).toBe(true);
      await app.close();
      closed = true;
      expect(connection.isOpen).toBe(false);
    } finally {
      if (!closed) await app.close();
    }
  });

  it('fails the application start with the broker\'s reason when a queue is declared with other arguments', async () => {
    const existing = uniqueName('mod-clash');
    await admin.channel.assertQueue(existing, { durable: false, arguments: { 'x-max-length': 5 } });
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          AmqpModule.forRoot({
            urls: [AMQP_URL],
            connectionKey: uniqueName('mod-clash'),
            queues: [{ name: existing, durable: false, arguments: { 'x-max-length': 6 } }],
          }),
        ],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      const error = await app.init().then(
        () => undefined,
        (e: unknown) => e,
      );
      await app.close();
      expect(error).toBeInstanceOf(ChannelClosedError);
      expect((error as ChannelClosedError).replyCode).toBe(406);
      expect((error as Error).message).toContain(`queue "${existing}"`);
    } finally {
      await admin.deleteQueues(existing);
    }
  });
});

describe('AmqpPublisher across a forced disconnect', () => {
  const queue = uniqueName('mod-recover-q');
  const name = uniqueName('mod-recover');
  let admin: Admin;

  beforeAll(async () => {
    admin = await openAdmin();
  });

  afterAll(async () => {
    await admin?.deleteQueues(queue);
    await admin?.close();
  });

  it('keeps publishing on the recovered connection: every confirmed message is in the queue', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AmqpModule.forRoot({
          urls: [AMQP_URL],
          connectionKey: name,
          connectionName: name,
          queues: [{ name: queue, durable: false }],
          recovery: { initialDelayMs: 50, maxDelayMs: 500 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const publisher = app.get(AmqpPublisher);
      const confirmed: number[] = [];
      const publishes: Promise<void>[] = [];
      // Found by name before the load starts (a busy connection may not answer the listing in time).
      const pid = (await waitFor(async () => (await listConnections()).find((c) => c.connectionName === name))).pid;
      let closing: Promise<number> | undefined;
      // Publishes keep going, a few ms apart, from before the broker closes the connection until
      // 50 after it recovered.
      let sent = 0;
      let afterRecovery = 0;
      while (afterRecovery < 50) {
        const n = sent;
        publishes.push(publisher.sendToQueue(queue, { n }).then(() => void confirmed.push(n)));
        sent += 1;
        if (n === 20) closing = closeConnection(pid);
        if (publisher.connection.recoveries > 0) afterRecovery += 1;
        if (sent > 20_000) throw new Error('the connection did not recover');
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      await expect(closing).resolves.toBe(1);
      await Promise.all(publishes);
      expect(confirmed).toHaveLength(sent);
      expect(publisher.connection.recoveries).toBe(1);
      // At least once: every number arrived; a publish on the wire at the loss may arrive twice.
      const seen = new Set<number>();
      for (;;) {
        const message = await admin.channel.get(queue, { noAck: true });
        if (message === false) break;
        seen.add((JSON.parse(message.content.toString()) as { n: number }).n);
      }
      expect(seen.size).toBe(sent);
    } finally {
      await app.close();
    }
  });
});
