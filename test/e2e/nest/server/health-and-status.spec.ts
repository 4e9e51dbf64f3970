/**
 * Status, events, unwrap() and the terminus health indicator on a live server, including a consumer
 * the broker cancels (its queue deleted): reported as an 'error' event and a 'down' health.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Connection } from '../../../../lib/protocol/index.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import type { AmqpStatus } from '../../../../lib/transport/core/amqp.events.js';
import type { AmqpConnection } from '../../../../lib/transport/connection/connection-host.js';
import { AMQP_URL, Admin, uniqueName, waitFor } from './support.js';

const rpcQueue = uniqueName('health-rpc');
const doomedQueue = uniqueName('health-doomed');

@Controller()
class WorkController {
  // Healing off: this consumer stays down when the broker cancels it (the healing suite covers the rest).
  @QueueConsumer(doomedQueue, { durable: false, healing: false })
  onDoomed(): void {}

  @MessagePattern('ping')
  ping(@Payload() value: unknown): unknown {
    return value;
  }

  @EventPattern<string>('noted')
  noted(): void {}
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly amqp: AmqpHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.amqp.isHealthy('amqp')]);
  }
}

@Module({ imports: [TerminusModule], controllers: [WorkController, HealthController], providers: [AmqpHealthIndicator] })
class AppModule {}

let app: INestApplication;
let server: ServerAMQP;
let admin: Admin;
const statuses: AmqpStatus[] = [];
const events: string[] = [];
const errors: Error[] = [];

beforeAll(async () => {
  admin = await Admin.open();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  server = new ServerAMQP({ urls: [AMQP_URL], queue: rpcQueue, queueOptions: { durable: false } });
  server.status.subscribe((status) => statuses.push(status));
  server.on('connected', () => events.push('connected'));
  server.on('disconnected', () => events.push('disconnected'));
  server.on('blocked', (reason) => events.push(`blocked: ${reason}`));
  server.on('unblocked', () => events.push('unblocked'));
  server.on('error', (error) => errors.push(error));
  app.connectMicroservice({ strategy: server });
  await app.startAllMicroservices();
  await app.init();
});

afterAll(async () => {
  await app?.close();
  await admin?.cleanup([rpcQueue, doomedQueue]);
  await admin?.close();
});

describe('ServerAMQP status, events and health (hybrid app)', () => {
  it('reports connecting then connected, and emits connected', () => {
    expect(statuses.slice(0, 2)).toEqual(['connecting', 'connected']);
    expect(events).toEqual(['connected']);
  });

  it('unwrap() returns the shared self-recovering connection, whose unwrap() is the engine Connection', () => {
    const connection = server.unwrap<AmqpConnection>();
    expect(connection.isOpen).toBe(true);
    expect(connection.unwrap()).toBeInstanceOf(Connection);
  });

  it('the health indicator is up with the consumer count, through terminus', async () => {
    const indicator = app.get(AmqpHealthIndicator);
    const result = await indicator.isHealthy('amqp', { server });
    expect(result.amqp).toMatchObject({ status: 'up', connected: true, consumers: 2, expectedConsumers: 2, connection: 'connected' });
    expect(result.amqp.queues).toEqual(expect.arrayContaining([rpcQueue, doomedQueue]));
    const check = await app.get(HealthController).check();
    expect(check.status).toBe('ok');
    expect(check.info?.['amqp']).toMatchObject({ status: 'up', consumers: 2 });
  });

  it('a consumer cancelled by the broker (queue deleted) raises an error event and turns health down', async () => {
    await admin.cleanup([doomedQueue]);
    await waitFor(() => errors.length === 1, 'the error event');
    expect(errors[0]!.message).toContain(doomedQueue);
    const result = await app.get(AmqpHealthIndicator).isHealthy('amqp');
    expect(result.amqp).toMatchObject({ status: 'down', consumers: 1, expectedConsumers: 2, message: '1 of 2 consumers stopped' });
    // The other consumer still works.
    const replies = await admin.request(rpcQueue, 'ping', 'pong');
    expect(replies.find((reply) => 'response' in reply)?.response).toBe('pong');
  });

  it('after close: status disconnected, health down without opening a connection', async () => {
    await server.close();
    expect(statuses[statuses.length - 1]).toBe('disconnected');
    expect(events).toEqual(['connected', 'disconnected']);
    const result = await app.get(AmqpHealthIndicator).isHealthy('amqp');
    expect(result.amqp).toMatchObject({ status: 'down', message: expect.stringContaining('no ServerAMQP is listening') });
    expect(() => server.unwrap()).toThrow(/listen/);
  });
});
