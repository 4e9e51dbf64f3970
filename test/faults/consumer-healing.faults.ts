/**
 * Consumers that heal, where the broker itself is changed (`npm run test:faults`, on its private
 * node): (a) the broker's consumer_timeout ends a slow handler's channel with a 406, (b) the queue
 * deleted and re-created, (c) the connection force-closed (rabbitmqctl close_connection). Each time
 * the consumer is back on its first restart (within its backoff), the next message is handled, and
 * health reads degraded while it heals ((a), (b): up with degraded: true and the consumer named; down
 * with healing: 'down') or down while the connection is gone (c), then up. The cases that need no broker
 * change (a 406 from an unknown delivery tag, a 404 on a passive re-declare, giving up after its
 * attempts, resume()) are in test/e2e/nest/consumer-pipeline/consumer-healing.spec.ts.
 *
 * consumer_timeout is lowered on the private node for this suite only (and the channel tick that
 * checks it made short), then put back as it was: RabbitMQ 3.10 has no per-queue x-consumer-timeout.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueueConsumer } from '../../lib/transport/decorators/queue-consumer.decorator.js';
import { AmqpConsumerRegistry, type AmqpConsumerInfo } from '../../lib/transport/module/amqp-consumer.registry.js';
import { AmqpHealthIndicator, type AmqpHealthDetails } from '../../lib/transport/health/amqp-health.indicator.js';
import { Admin, waitFor } from '../e2e/nest/server/support.js';
import { consumeName, startApp, type RecordingLogger } from '../e2e/nest/consumer-pipeline/support.js';
import { closeConnection } from '../e2e/recovery/broker-control.js';
import { ctl } from '../support/rabbit-node.js';

const node = process.env['RABBITMQ_NODENAME'];
const CONSUMER_TIMEOUT_MS = 1500;
const q = {
  slow: consumeName('heal-timeout'),
  recreated: consumeName('heal-recreated'),
  forced: consumeName('heal-forced'),
};
const connectionName = consumeName('heal-faults-connection');
// A first restart after 0.8 to 1 s: long enough to see health down, short enough for the suite.
const healing = { attempts: 6, initialDelay: 1000, maxDelay: 2000 };
const handled: string[] = [];
/** Set by the test once the slow handler's channel is gone: the handler then returns. */
let releaseSlow: (() => void) | undefined;

@Controller()
class HealingFaultsController {
  @QueueConsumer(q.slow, { durable: false, deadLetterQueue: false, prefetch: 1, healing, consumerTimeoutMs: CONSUMER_TIMEOUT_MS })
  async onSlow(@Payload() data: { id: string }): Promise<void> {
    handled.push(`slow:${data.id}`);
    // Only its first delivery is slow: redelivered after the 406, it is handled at once.
    if (data.id === 'slow' && releaseSlow === undefined) await new Promise<void>((resolve) => (releaseSlow = resolve));
  }

  @QueueConsumer(q.recreated, { durable: false, deadLetterQueue: false, healing })
  onRecreated(@Payload() data: { id: string }): void {
    handled.push(`recreated:${data.id}`);
  }

  @QueueConsumer(q.forced, { durable: false, deadLetterQueue: false, healing })
  onForced(@Payload() data: { id: string }): void {
    handled.push(`forced:${data.id}`);
  }
}

/** The value of one of the rabbit application's settings on the private node, as Erlang prints it. */
async function rabbitEnv(key: string): Promise<string> {
  return (await ctl(['eval', `application:get_env(rabbit, ${key}).`], node)).trim();
}

async function restoreRabbitEnv(key: string, printed: string): Promise<void> {
  const value = /^\{ok,(.+)\}$/.exec(printed)?.[1];
  await ctl(['eval', value === undefined ? `application:unset_env(rabbit, ${key}).` : `application:set_env(rabbit, ${key}, ${value}).`], node);
}

describe('consumers that heal when the broker ends them (private node)', () => {
  let app: INestMicroservice;
  let logger: RecordingLogger;
  let admin: Admin;
  let registry: AmqpConsumerRegistry;
  let health: AmqpHealthIndicator;
  const saved: Record<string, string> = {};
  const info = (queue: string): AmqpConsumerInfo | undefined => registry.list().find((consumer) => consumer.queue === queue);
  const status = async (): Promise<AmqpHealthDetails> => (await health.isHealthy('amqp')).amqp;

  /**
   * Health while it heals: 'degraded' (up, degraded: true, the consumer named) when the broker ended
   * the consumer, 'down' when the connection is gone; then consuming again on its first restart,
   * health up and no longer degraded, the next message handled.
   */
  async function healsOnFirstRestart(queue: string, label: string, meanwhile: 'degraded' | 'down', part: RegExp): Promise<void> {
    const seen = async (): Promise<boolean> => {
      const now = await status();
      return meanwhile === 'down' ? now.status === 'down' : now.status === 'up' && now.degraded === true;
    };
    await waitFor(seen, `health ${meanwhile} while ${label} heals`, 60_000);
    const during = await status();
    expect(during.message).toMatch(part);
    if (meanwhile === 'degraded') {
      expect(during.healing?.some((name) => name.includes(queue))).toBe(true);
      expect((await health.isHealthy('amqp', { healing: 'down' })).amqp.status).toBe('down');
    }
    await waitFor(() => info(queue)?.state === 'consuming', `${label} consuming again`, 30_000);
    await waitFor(async () => {
      const now = await status();
      return now.status === 'up' && now.degraded === undefined;
    }, 'health up again, not degraded', 10_000);
    await admin.publish('', queue, { id: 'next' });
    await waitFor(() => handled.includes(`${label}:next`), `the next message of ${label}`, 10_000);
  }

  beforeAll(async () => {
    expect(node).toBeDefined(); // only ever the private node of test:faults
    saved['consumer_timeout'] = await rabbitEnv('consumer_timeout');
    saved['channel_tick_interval'] = await rabbitEnv('channel_tick_interval');
    // Read by each channel when it opens: set before the app's channels exist.
    await ctl(['eval', `application:set_env(rabbit, consumer_timeout, ${CONSUMER_TIMEOUT_MS}).`], node);
    await ctl(['eval', 'application:set_env(rabbit, channel_tick_interval, 250).'], node);
    admin = await Admin.open();
    ({ app, logger } = await startApp([HealingFaultsController], { connectionName }));
    registry = app.get(AmqpConsumerRegistry);
    health = app.get(AmqpHealthIndicator);
    expect((await status()).status).toBe('up');
  }, 60_000);

  afterAll(async () => {
    releaseSlow?.();
    await app?.close();
    await admin?.cleanup(Object.values(q));
    await admin?.close();
    for (const [key, printed] of Object.entries(saved)) await restoreRabbitEnv(key, printed);
  }, 60_000);

  it('(a) a 406 from consumer_timeout on a slow handler: one WARN at 80%, restarted, the next message handled', async () => {
    await admin.publish('', q.slow, { id: 'slow' });
    await waitFor(() => info(q.slow)?.state === 'healing', 'healing after the consumer_timeout', 60_000);
    expect(info(q.slow)?.cause).toMatch(/406/);
    const warnings = logger.find('warn', 'of consumerTimeoutMs 1500');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`@QueueConsumer\\("${q.slow}"\\) HealingFaultsController\\.onSlow: the handler of queue "${q.slow}", delivery 1,.* has run for \\d+ ms`));
    await healsOnFirstRestart(q.slow, 'slow', 'degraded', /^degraded: .*consumers healing/);
    // The slow message went back to the queue with the 406 and was redelivered to the new channel.
    expect(handled.filter((id) => id === 'slow:slow')).toHaveLength(2);
    releaseSlow?.();
    expect(logger.find('log', `@QueueConsumer("${q.slow}") HealingFaultsController.onSlow consuming again after 1 restart attempt(s)`)).toHaveLength(1);
  }, 90_000);

  it('(b) its queue deleted and re-created: restarted, the next message handled', async () => {
    await admin.channel.deleteQueue(q.recreated);
    await admin.channel.assertQueue(q.recreated, { durable: false });
    await waitFor(() => info(q.recreated)?.state === 'healing', 'healing after the cancel', 10_000);
    expect(info(q.recreated)?.cause).toMatch(/cancelled the consumer/);
    await healsOnFirstRestart(q.recreated, 'recreated', 'degraded', /^degraded: .*consumers healing/);
    expect(logger.find('log', `@QueueConsumer("${q.recreated}") HealingFaultsController.onRecreated consuming again after 1 restart attempt(s)`)).toHaveLength(1);
  }, 60_000);

  it('(c) its connection force-closed (rabbitmqctl close_connection): recovered, the next message handled', async () => {
    // The server's connection and the AmqpModule's carry the same name: both are closed.
    expect(await closeConnection(connectionName, 'consumer healing fault test', node)).toBeGreaterThanOrEqual(1);
    await healsOnFirstRestart(q.forced, 'forced', 'down', /connection .*is (reconnecting|recovering|disconnected)/);
  }, 60_000);
});
