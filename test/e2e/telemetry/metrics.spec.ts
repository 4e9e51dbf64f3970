/**
 * Metrics read back from the SDK's metric reader after a scripted run match the broker's counts
 * (rabbitmqctl list_queues): N published (= the tap queue's depth) to three consumed queues, one per
 * fate of a failed message. Every fate counter (acked, retried, requeued, dead-lettered, dropped)
 * equals what the broker shows: a dead letter in a DLQ, the tap's depth for what was published, an
 * empty consumed queue; and each message has exactly one final fate per queue.
 */
import { describe, expect, it } from '@jest/globals';
import { runScenario } from './support/run-scenario.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

interface Run {
  failing: number;
  counters: Record<string, Record<string, number>>;
  broker: { tap: number; dlq: number; work: number; requeue: number; requeueDlq: number; drop: number };
}

describe('metrics', () => {
  it('acked, retried, requeued, dead-lettered and dropped: the counters and rabbitmqctl list_queues agree', async () => {
    const prefix = `otel.metrics.${process.pid}`;
    const N = 25;
    const { lines } = await runScenario('metrics.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: prefix, OTEL_SCENARIO_N: String(N) });
    const run = lines.find((line) => line['phase'] === 'metrics') as unknown as Run;
    const { broker } = run;
    const [work, requeue, drop, fanout] = ['work', 'requeue', 'drop', 'fanout'].map((name) => `${prefix}.${name}`) as [string, string, string, string];
    const counter = (name: string, key: string): number => run.counters[`messaging.rabbitmq.${name}.messages`]?.[key] ?? 0;
    const fates = (queue: string) => ({
      acked: counter('acked', queue),
      retried: counter('retried', queue),
      requeued: counter('requeued', queue),
      deadLettered: counter('dead_lettered', queue),
      dropped: counter('dropped', queue),
    });

    // The broker: every message published reached the tap; the consumed queues are empty; the failing ones sit in the DLQs.
    expect(broker.tap).toBe(N);
    expect(run.failing).toBeGreaterThan(0);
    expect(broker).toEqual({ tap: N, dlq: run.failing, work: 0, requeue: 0, requeueDlq: run.failing, drop: 0 });
    expect(run.counters['messaging.client.sent.messages']?.[fanout]).toBe(broker.tap);

    // work: each dead letter in its DLQ was retried twice first; the rest acked.
    expect(fates(work)).toEqual({ acked: broker.tap - broker.dlq, retried: 2 * broker.dlq, requeued: 0, deadLettered: broker.dlq, dropped: 0 });
    // requeue (maxRedeliveries 1): each dead letter in its DLQ was requeued once first.
    expect(fates(requeue)).toEqual({ acked: broker.tap - broker.requeueDlq, retried: 0, requeued: broker.requeueDlq, deadLettered: broker.requeueDlq, dropped: 0 });
    // drop (onError 'ack'): what no queue holds was dropped; the same number as failed elsewhere.
    expect(fates(drop)).toEqual({ acked: broker.tap - broker.dlq, retried: 0, requeued: 0, deadLettered: 0, dropped: broker.dlq });
    // One final fate per message and queue.
    for (const queue of [work, requeue, drop]) {
      const fate = fates(queue);
      expect(fate.acked + fate.deadLettered + fate.dropped).toBe(broker.tap);
    }

    // The retries and requeues are republished through the default exchange; every delivery is consumed and processed.
    expect(run.counters['messaging.client.sent.messages']?.[work]).toBe(2 * broker.dlq);
    expect(run.counters['messaging.client.sent.messages']?.[requeue]).toBe(broker.requeueDlq);
    expect(run.counters['messaging.client.consumed.messages']?.[work]).toBe(N + 2 * broker.dlq);
    expect(run.counters['messaging.client.consumed.messages']?.[requeue]).toBe(N + broker.requeueDlq);
    expect(run.counters['messaging.process.duration']?.[work]).toBe(N + 2 * broker.dlq);
  }, 240_000);
});
