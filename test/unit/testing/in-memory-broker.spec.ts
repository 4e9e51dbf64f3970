/**
 * The test kit's control surface on the in-memory broker alone (no RabbitMQ): failure injection,
 * time (Jest's fake timers, the manual clock), the not-modelled refusal, routing other hosts to it
 * (install(), the Nest module), and the waits.
 */
import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ChannelClosedError, Connection, ConnectionClosedError, PublishNackedError, type Channel } from '../../../lib/protocol/index.js';
import { InMemoryBroker, NotModelledError, TestKitTimeoutError } from '../../../lib/testing/index.js';
import { AmqpModule, AmqpPublisher } from '../../../lib/index.js';

describe('InMemoryBroker', () => {
  let broker: InMemoryBroker;
  let connection: Connection;
  let ch: Channel;

  beforeEach(async () => {
    broker = await InMemoryBroker.start({ host: 'unit' });
    connection = await Connection.connect(broker.url());
    connection.on('error', () => undefined);
    ch = await connection.channel();
    await ch.confirmDelivery();
    await ch.queueDeclare({ queue: 'q' });
  });

  afterEach(async () => {
    jest.useRealTimers();
    if (connection.isOpen) await connection.close();
    broker.reset();
    await broker.stop();
  });

  it('leaves no hook on globalThis once the last broker stopped (a process without one pays nothing)', async () => {
    const hook = Symbol.for('nestjs-amqp-transport.in-process-transport');
    expect(typeof (globalThis as Record<symbol, unknown>)[hook]).toBe('function');
    await connection.close();
    await broker.stop();
    expect((globalThis as Record<symbol, unknown>)[hook]).toBeUndefined();
  });

  it('refuses a second broker on the same host', async () => {
    await expect(InMemoryBroker.start({ host: 'unit' })).rejects.toThrow(/already running/);
  });

  it('nacks, returns, or closes the channel for the next matching publish, as armed', async () => {
    broker.failNextPublish({ kind: 'nack' }, { routingKey: 'q' });
    await expect(ch.basicPublish('', 'q', 'a')).rejects.toBeInstanceOf(PublishNackedError);
    const returned = new Promise<number>((resolve) => ch.addOnReturnCallback((_c, m) => resolve(m.replyCode)));
    broker.failNextPublish({ kind: 'return' });
    await ch.basicPublish('', 'q', 'b', {}, { mandatory: true });
    expect(await returned).toBe(312);
    await ch.basicPublish('', 'q', 'c');
    expect(broker.queue('q')?.messages().map((m) => m.text())).toEqual(['c']);
    expect(broker.published().map((p) => p.outcome)).toEqual(['nacked', 'returned', 'routed']);
    broker.failNextPublish({ kind: 'close-channel', code: 406, text: 'PRECONDITION_FAILED - injected' });
    const error = await ch.basicPublish('', 'q', 'd').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect((error as ChannelClosedError).replyCode).toBe(406);
  });

  it('a failure at delivery requeues the message, redelivered', async () => {
    broker.failNextDelivery({ kind: 'close-channel', code: 406 }, { queue: 'q' });
    const consumer = await connection.channel();
    const seen: boolean[] = [];
    const closed = new Promise((resolve) => consumer.addOnCloseCallback(resolve));
    await consumer.basicConsume('q', (_c, m) => seen.push(m.redelivered));
    await ch.basicPublish('', 'q', 'x');
    await closed;
    expect(seen).toEqual([]);
    expect(broker.queue('q')?.messages().map((m) => m.redelivered)).toEqual([true]);
  });

  it('drops every connection: the client sees a lost connection', async () => {
    const lost = new Promise<unknown>((resolve) => connection.once('close', resolve));
    broker.dropConnections();
    expect(await lost).toBeInstanceOf(ConnectionClosedError);
    expect(broker.connectionCount).toBe(0);
  });

  it("TTLs follow Jest's fake timers", async () => {
    await ch.queueDeclare({ queue: 'ttl', arguments: { 'x-message-ttl': 60_000, 'x-dead-letter-exchange': '' , 'x-dead-letter-routing-key': 'q' } });
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    broker.publish('', 'ttl', { n: 1 });
    jest.advanceTimersByTime(59_999);
    expect(broker.queue('ttl')?.messageCount).toBe(1);
    jest.advanceTimersByTime(1);
    expect(broker.queue('ttl')?.messageCount).toBe(0);
    expect(broker.deadLettered({ reason: 'expired' }).map((d) => d.json())).toEqual([{ n: 1 }]);
    expect(broker.queue('q')?.messages().map((m) => m.json())).toEqual([{ n: 1 }]);
  });

  it("a manual clock moves only with broker.advance", async () => {
    const manual = await InMemoryBroker.start({ host: 'manual', clock: 'manual' });
    try {
      manual.publish('', 'nowhere', 'x');
      const c = await Connection.connect(manual.url());
      const mch = await c.channel();
      await mch.queueDeclare({ queue: 'ttl', arguments: { 'x-message-ttl': 1000 } });
      manual.publish('', 'ttl', 'x');
      manual.advance(999);
      expect(manual.queue('ttl')?.messageCount).toBe(1);
      manual.advance(1);
      expect(manual.queue('ttl')?.messageCount).toBe(0);
      expect(() => broker.advance(1)).toThrow(/clock: 'manual'/);
      await c.close();
    } finally {
      await manual.stop();
    }
  });

  it('refuses what it does not model with 540 and reports it at stop()', async () => {
    const closed = new Promise<unknown>((resolve) => connection.once('close', resolve));
    await ch.queueDeclare({ queue: 'prio', arguments: { 'x-max-priority': 10 } }).catch(() => undefined);
    const error = (await closed) as ConnectionClosedError;
    expect([error.replyCode, error.replyText]).toEqual([540, 'NOT_IMPLEMENTED - not modelled by the in-memory broker: queue argument x-max-priority']);
    expect(broker.notModelled[0]).toBeInstanceOf(NotModelledError);
    const other = await InMemoryBroker.start({ host: 'other' });
    const c = await Connection.connect(other.url());
    c.on('error', () => undefined);
    const och = await c.channel();
    await och.queueDeclare({ queue: 's', durable: true, arguments: { 'x-queue-type': 'stream' } }).catch(() => undefined);
    await expect(other.stop()).rejects.toThrow(/stream queues/);
  });

  it('install({ allHosts }) routes any URL to the broker until undone', async () => {
    const undo = broker.install({ allHosts: true });
    const c = await Connection.connect('amqp://guest:guest@rabbit.example.invalid:5672/');
    expect(broker.connectionCount).toBe(2);
    await c.close();
    undo();
    await expect(Connection.connect('amqp://guest:guest@rabbit.example.invalid:5672/?connection_attempts=1&socket_timeout=2')).rejects.toThrow();
  });

  it('module(): one import swaps the broker in for an app that names another host, until the app closes', async () => {
    const elsewhere = 'amqp://guest:guest@rabbit.example.invalid:5672/';
    @Module({ imports: [AmqpModule.forRoot({ urls: [elsewhere], queues: [{ name: 'module.q' }] })] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule, broker.module()] }).compile();
    await moduleRef.init();
    expect(moduleRef.get(InMemoryBroker)).toBe(broker);
    await moduleRef.get(AmqpPublisher).sendToQueue('module.q', { id: 1 });
    expect(broker.published({ queue: 'module.q' }).map((m) => m.json())).toEqual([{ id: 1 }]);
    await moduleRef.close();
    await expect(Connection.connect(`${elsewhere}?connection_attempts=1&socket_timeout=2`)).rejects.toThrow();
  });

  it('waits until a consumer handled n messages, or times out naming what it saw', async () => {
    await ch.basicConsume('q', (c, m) => c.basicAck(m.deliveryTag));
    broker.publish('', 'q', 'one');
    broker.publish('', 'q', 'two');
    await broker.waitForHandled('q', 2);
    expect(broker.handled('q')).toBe(2);
    await expect(broker.waitForHandled('q', 3, { timeoutMs: 20 })).rejects.toThrow(TestKitTimeoutError);
    await expect(broker.waitForQueueDepth('q', 1, { timeoutMs: 20 })).rejects.toThrow(/1 ready in 'q' \(now 0\)/);
  });

  it('publishes objects as JSON and lists what was published by queue', async () => {
    broker.publish('', 'q', { id: 7 });
    const [m] = broker.published({ queue: 'q' });
    expect([m?.properties.contentType, m?.json()]).toEqual(['application/json', { id: 7 }]);
  });
});
