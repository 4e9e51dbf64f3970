/**
 * @QueueConsumer against the real broker: three queues with different options in one server, a
 * handler that throws (dead-lettered, consumer keeps going), manual ack, ack 'none', bindings to a
 * topic and a headers exchange, and the declared queues checked through rabbitmqctl.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { InvalidStateError, StaleDeliveryError } from '../../../../lib/protocol/errors.js';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { AMQP_URL, Admin, listConsumers, listQueues, sleep, uniqueName, waitFor } from './support.js';

const classicQueue = uniqueName('classic');
const quorumQueue = uniqueName('quorum');
const transientQueue = uniqueName('transient');
const manualQueue = uniqueName('manual');
const dlq = uniqueName('dlq');
const topic = uniqueName('topic');
const headersExchange = uniqueName('headers');

const classicSeen: unknown[] = [];
const quorumSeen: unknown[] = [];
const manualSeen: Array<{ data: unknown; redelivered: boolean }> = [];
const transientSeen: Array<{ data: unknown; routingKey: string; ackError?: unknown }> = [];
const held: AmqpContext[] = [];

@Controller()
class ConsumersController {
  @QueueConsumer(classicQueue, { durable: true, deadLetterExchange: '', deadLetterRoutingKey: dlq, prefetch: 5 })
  onClassic(@Payload() data: { n: number; fail?: boolean }): void {
    classicSeen.push(data);
    if (data.fail === true) throw new Error(`message ${data.n} is poison`);
  }

  @QueueConsumer(quorumQueue, { queueType: 'quorum', prefetch: 50 })
  async onQuorum(@Payload() data: unknown): Promise<void> {
    await sleep(1);
    quorumSeen.push(data);
  }

  @QueueConsumer(manualQueue, { durable: false, ack: 'manual', prefetch: 2 })
  onManual(@Payload() data: { action: 'ack' | 'nack' | 'hold' }, @Ctx() ctx: AmqpContext): void {
    manualSeen.push({ data, redelivered: ctx.redelivered });
    if (data.action === 'ack') ctx.ack();
    else if (data.action === 'nack') ctx.nack();
    else held.push(ctx);
  }

  @QueueConsumer(transientQueue, {
    durable: false,
    exclusive: true,
    autoDelete: true,
    messageTtl: 60_000,
    maxLength: 100,
    ack: 'none',
    exchange: { name: topic, type: 'topic', durable: false, autoDelete: true },
    routingKeys: ['order.*'],
    bindings: [{ exchange: headersExchange, arguments: { 'x-match': 'all', kind: 'audit' } }],
  })
  onTransient(@Payload() data: unknown, @Ctx() ctx: AmqpContext): void {
    const entry: { data: unknown; routingKey: string; ackError?: unknown } = { data, routingKey: ctx.fields.routingKey };
    try {
      ctx.ack();
    } catch (error) {
      entry.ackError = error;
    }
    transientSeen.push(entry);
  }
}

let app: INestMicroservice;
let admin: Admin;
let server: ServerAMQP;

beforeAll(async () => {
  admin = await Admin.open();
  await admin.channel.assertQueue(dlq, { durable: false });
  await admin.channel.assertExchange(headersExchange, 'headers', { durable: false });
  const moduleRef = await Test.createTestingModule({ controllers: [ConsumersController] }).compile();
  server = new ServerAMQP({ urls: [AMQP_URL] });
  app = moduleRef.createNestMicroservice({ strategy: server });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([classicQueue, quorumQueue, transientQueue, manualQueue, dlq], [topic, headersExchange]);
  await admin?.close();
});

describe('@QueueConsumer', () => {
  it('declares four queues with their own options and consumes each on its own channel', async () => {
    const queues = await listQueues([classicQueue, quorumQueue, transientQueue]);
    expect(queues.get(classicQueue)).toMatchObject({
      durable: true,
      exclusive: false,
      type: 'classic',
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq },
      consumers: 1,
    });
    expect(queues.get(quorumQueue)).toMatchObject({ durable: true, type: 'quorum', arguments: { 'x-queue-type': 'quorum' } });
    // A quorum queue's counters in rabbitmqctl lag; queue.declare-ok answers from the queue itself.
    await waitFor(async () => (await admin.consumerCount(quorumQueue)) === 1, 'the quorum consumer');
    expect(queues.get(transientQueue)).toMatchObject({
      durable: false,
      auto_delete: true,
      exclusive: true,
      arguments: { 'x-message-ttl': 60_000, 'x-max-length': 100 },
      consumers: 1,
    });
    // Prefetch and ack mode are per consumer (basic.qos on each consumer's own channel).
    const consumers = await listConsumers([classicQueue, manualQueue, transientQueue]);
    const byQueue = new Map(consumers.map((row) => [row.queue_name, row]));
    expect(byQueue.get(classicQueue)).toMatchObject({ prefetch_count: 5, ack_required: true });
    expect(byQueue.get(manualQueue)).toMatchObject({ prefetch_count: 2, ack_required: true });
    expect(byQueue.get(transientQueue)).toMatchObject({ ack_required: false });
    // No default queue was declared: the app has no @MessagePattern/@EventPattern handlers.
    expect(server.getHealth()).toMatchObject({ consumers: 4, expectedConsumers: 4, connected: true });
  });

  it('acks successes, dead-letters a throwing handler\'s message, and keeps consuming', async () => {
    await admin.publish('', classicQueue, { n: 1 }, { messageId: 'm-1' });
    await admin.publish('', classicQueue, { n: 2, fail: true }, { messageId: 'm-2' });
    await admin.publish('', classicQueue, { n: 3 }, { messageId: 'm-3' });
    await waitFor(() => classicSeen.length === 3, 'three deliveries');
    await waitFor(async () => (await admin.messageCount(dlq)) === 1, 'the poison message in the DLQ');
    const dead = await admin.drain(dlq);
    expect(dead.map((message) => message.properties.messageId)).toEqual(['m-2']);
    expect(JSON.parse(dead[0]!.content.toString())).toEqual({ n: 2, fail: true });
    const queues = await listQueues([classicQueue]);
    expect(queues.get(classicQueue)).toMatchObject({ messages_ready: 0, messages_unacknowledged: 0, consumers: 1 });
    expect(classicSeen).toEqual([{ n: 1 }, { n: 2, fail: true }, { n: 3 }]);
  });

  it('consumes a quorum queue (async handler, acked after its promise resolves)', async () => {
    for (let n = 0; n < 20; n += 1) await admin.publish('', quorumQueue, { n });
    await waitFor(() => quorumSeen.length === 20, 'twenty quorum deliveries');
    expect(quorumSeen).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
    await waitFor(async () => (await admin.messageCount(quorumQueue)) === 0, 'the quorum queue to be empty');
  });

  it('manual ack: ctx.ack() / ctx.nack() settle; an unsettled message stays unacked until the handler acks it', async () => {
    await admin.publish('', manualQueue, { action: 'ack' });
    await admin.publish('', manualQueue, { action: 'nack' });
    await admin.publish('', manualQueue, { action: 'hold' });
    await waitFor(() => manualSeen.length === 3 && held.length === 1, 'three manual deliveries');
    await sleep(100);
    let info = (await listQueues([manualQueue])).get(manualQueue)!;
    expect({ ready: info.messages_ready, unacked: info.messages_unacknowledged }).toEqual({ ready: 0, unacked: 1 });

    const context = held[0]!;
    context.ack();
    expect(context.isSettled).toBe(true);
    expect(() => context.ack()).toThrow(InvalidStateError);
    await waitFor(async () => (await listQueues([manualQueue])).get(manualQueue)!.messages_unacknowledged === 0, 'the late ack');
    info = (await listQueues([manualQueue])).get(manualQueue)!;
    expect(info.messages_ready).toBe(0);
    expect(manualSeen.every((entry) => !entry.redelivered)).toBe(true);
  });

  it('binds to a topic exchange by routing key and to a headers exchange by headers; ack: none refuses ctx.ack()', async () => {
    await admin.publish(topic, 'order.created', { kind: 'order' });
    await admin.publish(topic, 'invoice.created', { kind: 'invoice' });
    await admin.publish(headersExchange, '', { kind: 'audit-entry' }, { headers: { kind: 'audit' } });
    await admin.publish(headersExchange, '', { kind: 'other-entry' }, { headers: { kind: 'other' } });
    await waitFor(() => transientSeen.length === 2, 'the two routed messages');
    await sleep(100);
    expect(transientSeen.map((entry) => entry.data)).toEqual([{ kind: 'order' }, { kind: 'audit-entry' }]);
    expect(transientSeen[0]!.routingKey).toBe('order.created');
    for (const entry of transientSeen) expect(entry.ackError).toBeInstanceOf(InvalidStateError);
  });

  it('an ack for a delivery whose channel has gone is a StaleDeliveryError, and the message is redelivered, not lost', async () => {
    held.length = 0;
    await admin.publish('', manualQueue, { action: 'hold' }, { messageId: 'stale-1' });
    await waitFor(() => held.length === 1, 'the held delivery');
    const context = held[0]!;
    // The consumer's channel dies under the handler (here: closed by hand).
    await context.channel.close();
    expect(() => context.ack()).toThrow(StaleDeliveryError);
    await waitFor(async () => (await admin.messageCount(manualQueue)) === 1, 'the message back in the queue');
    const [back] = await admin.drain(manualQueue);
    expect(back!.properties.messageId).toBe('stale-1');
    expect(back!.fields.redelivered).toBe(true);
    expect(server.getHealth()).toMatchObject({ consumers: 3, expectedConsumers: 4 });
  });
});
