/**
 * A ServerAMQP whose connection is force-closed by the broker (`rabbitmqctl close_connection`):
 * status goes reconnecting -> connected, consumers come back on their own, an ack for a delivery
 * from before the loss is a StaleDeliveryError (never an ack of another message), that message is
 * redelivered flagged `redelivered`, and RPC works again. Nothing escapes as an uncaught error.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { StaleDeliveryError } from '../../../../lib/protocol/errors.js';
import type { AmqpStatus } from '../../../../lib/transport/core/amqp.events.js';
import { AmqpContext } from '../../../../lib/transport/core/amqp.context.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { closeConnectionWhenListed } from '../../../support/broker.js';
import { AMQP_URL, Admin, connectionNames, sleep, uniqueName, waitFor } from './support.js';
import { queueCounts } from '../../../support/queue-probe.js';

const manualQueue = uniqueName('recover-manual');
const autoQueue = uniqueName('recover-auto');
const rpcQueue = uniqueName('recover-rpc');
const connectionName = uniqueName('recover-conn');
const closingQueue = uniqueName('recover-closing');
const closingConnection = uniqueName('recover-closing-conn');

const manualSeen: Array<{ n: number; redelivered: boolean }> = [];
const held: AmqpContext[] = [];
const autoSeen: number[] = [];

@Controller()
class RecoveryController {
  @QueueConsumer(manualQueue, { durable: false, ack: 'manual' })
  onManual(@Payload() data: { n: number }, @Ctx() ctx: AmqpContext): void {
    manualSeen.push({ n: data.n, redelivered: ctx.redelivered });
    if (ctx.redelivered) ctx.ack();
    else held.push(ctx);
  }

  @QueueConsumer(autoQueue, { durable: false })
  onAuto(@Payload() data: { n: number }): void {
    autoSeen.push(data.n);
  }

  @QueueConsumer(closingQueue, { durable: false })
  onClosing(): void {}

  @MessagePattern('ping')
  ping(@Payload() value: unknown): unknown {
    return value;
  }
}

let app: INestMicroservice;
let server: ServerAMQP;
let admin: Admin;
const statuses: AmqpStatus[] = [];
const events: string[] = [];
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => {
  uncaught.push(error);
};

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  admin = await Admin.open();
  const moduleRef = await Test.createTestingModule({ controllers: [RecoveryController] }).compile();
  server = new ServerAMQP({ urls: [AMQP_URL], connectionName, queue: rpcQueue, queueOptions: { durable: false } });
  server.status.subscribe((status) => statuses.push(status));
  server.on('connected', () => events.push('connected'));
  server.on('disconnected', () => events.push('disconnected'));
  app = moduleRef.createNestMicroservice({ strategy: server });
  app.useLogger(false);
  await app.listen();
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await app?.close();
  await admin?.cleanup([manualQueue, autoQueue, rpcQueue, closingQueue]);
  await admin?.close();
});

describe('ServerAMQP across a forced disconnect', () => {
  it('recovers consumers; a pre-loss ack is stale; the message comes back redelivered; RPC works again', async () => {
    await admin.publish('', manualQueue, { n: 1 });
    await admin.publish('', autoQueue, { n: 1 });
    await waitFor(() => held.length === 1 && autoSeen.length === 1, 'the first deliveries');
    expect(await closeConnectionWhenListed(connectionName, 'forced by the recovery test')).toBe(1);
    await waitFor(() => statuses.includes('reconnecting'), 'status reconnecting');
    await waitFor(() => events.filter((event) => event === 'connected').length === 2, 'the connection to recover', 30_000);
    expect(statuses[statuses.length - 1]).toBe('connected');
    expect(events).not.toContain('disconnected');

    // The handler still holds the delivery from before the loss: acking it must not ack anything else.
    expect(() => held[0]!.ack()).toThrow(StaleDeliveryError);
    await waitFor(() => manualSeen.some((seen) => seen.redelivered), 'the redelivery');
    expect(manualSeen).toEqual([
      { n: 1, redelivered: false },
      { n: 1, redelivered: true },
    ]);

    await admin.publish('', autoQueue, { n: 2 });
    await waitFor(() => autoSeen.length === 2, 'a delivery after recovery');
    const replies = await admin.request(rpcQueue, 'ping', 'after recovery');
    expect(replies.find((reply) => 'response' in reply)?.response).toBe('after recovery');

    await waitFor(async () => (await admin.messageCount(manualQueue)) === 0, 'the redelivered message to be acked');
    expect(server.getHealth()).toMatchObject({ connected: true, connection: 'connected', consumers: 4, expectedConsumers: 4 });
    expect(uncaught).toEqual([]);
  });

  it('a server closed while its connection is recovering stays closed: no consumer or connection comes back', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [RecoveryController] }).compile();
    const closing = new ServerAMQP({
      urls: [AMQP_URL],
      connectionName: closingConnection,
      connectionKey: closingConnection,
      recovery: { initialDelayMs: 1_000 },
    });
    const seen: AmqpStatus[] = [];
    closing.status.subscribe((status) => seen.push(status));
    const other = moduleRef.createNestMicroservice({ strategy: closing });
    other.useLogger(false);
    await other.listen();
    await closeConnectionWhenListed(closingConnection, 'forced before close');
    await waitFor(() => seen.includes('reconnecting'), 'status reconnecting');
    await other.close();
    // Longer than any first recovery delay (bound 1 s): had the close been forgotten, it would be back.
    await sleep(2_000);
    expect(await connectionNames()).not.toContain(closingConnection);
    expect((await queueCounts(closingQueue))?.consumerCount).toBe(1);
    expect(seen[seen.length - 1]).toBe('disconnected');
    expect(uncaught).toEqual([]);
  });
});
