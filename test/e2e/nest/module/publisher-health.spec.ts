/**
 * The health indicator in an app that only publishes (AmqpModule, no ServerAMQP): provided by the
 * module, injected into a real terminus HealthController served over HTTP; up while the publisher's
 * connection is open, down once the broker closes it (`rabbitmqctl close_connection`, this app's own
 * connection only, found by its connection name).
 */
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { Controller, Get, Inject, Module, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { AmqpHealthIndicator, AmqpModule, AmqpPublisher } from '../../../../lib/index.js';
import { closeConnectionWhenListed } from '../../../support/broker.js';
import { AMQP_URL, uniqueName, waitFor } from '../client/support.js';

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(AmqpHealthIndicator) private readonly amqp: AmqpHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.amqp.isHealthy('amqp')]);
  }
}

const connectionName = uniqueName('module-health');

// No provider list of its own: AmqpHealthIndicator comes from AmqpModule.
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: connectionName, connectionName, recovery: false }),
  ],
  controllers: [HealthController],
})
class PublisherOnlyModule {}

describe('AmqpHealthIndicator in a publisher-only app', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PublisherOnlyModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/health`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is up over HTTP while the publisher is connected', async () => {
    const response = await fetch(url);
    const body = (await response.json()) as { status: string; info: Record<string, unknown> };
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.info['amqp']).toMatchObject({
      status: 'up',
      connections: [{ name: 'default', kind: 'module', connection: 'connected', connected: true }],
    });
  });

  it('is down (503) once the broker closes the connection', async () => {
    expect(await closeConnectionWhenListed(connectionName, 'module health test')).toBe(1);
    await waitFor(() => (app.get(AmqpPublisher).getHealth().connected ? undefined : true), 10_000);
    const response = await fetch(url);
    const body = (await response.json()) as { status: string; error: Record<string, { status: string; message: string }> };
    expect(response.status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error['amqp']).toMatchObject({ status: 'down', message: 'AmqpModule connection "default" is disconnected' });
  });
});
