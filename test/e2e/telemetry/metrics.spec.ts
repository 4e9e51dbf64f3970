/**
 * Metrics read back from the SDK's metric reader after a scripted run match the broker's counts:
 * N published (= the tap queue's depth), M dead-lettered (= the DLQ's depth), K retried.
 */
import { describe, expect, it } from '@jest/globals';
import { runScenario } from './support/run-scenario.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('metrics', () => {
  it('N published, M dead-lettered, K retried: the counters and the broker agree', async () => {
    const prefix = `otel.metrics.${process.pid}`;
    const N = 25;
    const { lines } = await runScenario('metrics.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: prefix, OTEL_SCENARIO_N: String(N) });
    const run = lines.find((line) => line['phase'] === 'metrics') as {
      failing: number;
      counters: Record<string, Record<string, number>>;
      broker: { tap: number; dlq: number; work: number };
    };
    const M = run.failing;
    const K = 2 * M;
    const work = `${prefix}.work`;
    const fanout = `${prefix}.fanout`;
    const counter = (name: string, key: string): number | undefined => run.counters[name]?.[key];

    expect(run.broker).toEqual({ tap: N, dlq: M, work: 0 });
    expect(counter('messaging.client.sent.messages', fanout)).toBe(run.broker.tap);
    expect(counter('messaging.rabbitmq.dead_lettered.messages', work)).toBe(run.broker.dlq);
    expect(counter('messaging.rabbitmq.retried.messages', work)).toBe(K);
    // The retries are republished to the work queue through the default exchange.
    expect(counter('messaging.client.sent.messages', work)).toBe(K);
    expect(counter('messaging.client.consumed.messages', work)).toBe(N + K);
    // Each ack counts once, by what it meant: handled, or the original of a retry copy.
    expect(counter('messaging.rabbitmq.acked.messages', work)).toBe(N - M);
    expect(counter('messaging.rabbitmq.publish.confirmed', '')).toBe(N + K);
    expect(counter('messaging.process.duration', work)).toBe(N + K);
  }, 90_000);
});
