import { describe, it, expect, afterEach } from '@jest/globals';
import { AmqpHealthIndicator } from '../../../../lib/transport/health/amqp-health.indicator.js';
import { listeningServers, type ListeningServer, type ModuleConnectionDirectory, type ServerAMQPHealth } from '../../../../lib/transport/consume/consumer-directory.js';
import type { ConsumerRunner } from '../../../../lib/transport/consume/consumer-runner.js';
import type { AmqpConnection } from '../../../../lib/transport/core/connection-types.js';

function server(health: Partial<ServerAMQPHealth>): ListeningServer {
  const report: ServerAMQPHealth = { connection: 'connected', connected: true, consumers: 2, expectedConsumers: 2, queues: ['a', 'b'], ...health };
  return { getHealth: () => report, unwrap: () => ({}) as AmqpConnection, consumerRunners: [] };
}

const healingB = { consumers: 1, healing: ['@QueueConsumer("b") C.onB'] };

function moduleWith(runners: Array<Partial<ConsumerRunner>>): ModuleConnectionDirectory {
  return {
    list: () => [{ name: undefined, publisher: { getHealth: () => ({ connection: 'connected' as const, connected: true }), connection: {} as AmqpConnection } }],
    consumers: runners.map((runner, i) => ({ name: `C.on${i}`, source: 'provider' as const, connection: undefined, runner: runner as ConsumerRunner })),
  };
}

afterEach(() => listeningServers.clear());

describe('AmqpHealthIndicator while consumers heal', () => {
  it('a server whose consumer heals: up, degraded, the consumer named; down when asked for', async () => {
    const one = server(healingB);
    listeningServers.add(one);
    const indicator = new AmqpHealthIndicator();
    expect((await indicator.isHealthy()).amqp).toMatchObject({
      status: 'up',
      degraded: true,
      healing: ['@QueueConsumer("b") C.onB'],
      message: 'degraded: 1 of 2 consumers healing (@QueueConsumer("b") C.onB)',
    });
    expect((await indicator.isHealthy('amqp', { healing: 'down' })).amqp).toMatchObject({ status: 'down', degraded: true });
    expect((await indicator.isHealthy('amqp', { server: one })).amqp.status).toBe('up');
  });

  it('healing beside a consumer down for good, or a connection not open: down, naming both', async () => {
    listeningServers.add(server({ ...healingB, consumers: 0, expectedConsumers: 2 }));
    const indicator = new AmqpHealthIndicator();
    const result = (await indicator.isHealthy()).amqp;
    expect(result).toMatchObject({ status: 'down', message: '1 of 2 consumers stopped; 1 of 2 consumers healing (@QueueConsumer("b") C.onB)' });
    expect(result.degraded).toBeUndefined();
    listeningServers.clear();
    listeningServers.add(server({ ...healingB, connected: false, connection: 'reconnecting' }));
    expect((await indicator.isHealthy()).amqp).toMatchObject({ status: 'down', message: 'connection is reconnecting' });
  });

  it('an AmqpModule consumer healing: up and degraded; down for good: down', async () => {
    const cause = new Error('the broker cancelled the consumer');
    const healing = new AmqpHealthIndicator(moduleWith([{ isExpected: true, isConsuming: true }, { isExpected: true, isConsuming: false, healing: { attempt: 2, cause } }]));
    expect((await healing.isHealthy()).amqp).toMatchObject({
      status: 'up',
      degraded: true,
      healing: ['C.on1'],
      message: 'degraded: consumer C.on1 healing (restart attempt 2): the broker cancelled the consumer',
    });
    const down = new AmqpHealthIndicator(moduleWith([{ isExpected: true, isConsuming: false, healing: undefined, downReason: cause }]));
    expect((await down.isHealthy()).amqp).toMatchObject({ status: 'down', message: 'consumer C.on0 down: the broker cancelled the consumer' });
    const up = new AmqpHealthIndicator(moduleWith([{ isExpected: true, isConsuming: true }]));
    const result = (await up.isHealthy()).amqp;
    expect(result.status).toBe('up');
    expect(result.degraded).toBeUndefined();
  });
});
