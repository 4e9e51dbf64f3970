/**
 * An HTTP request -> AmqpPublisher -> @QueueConsumer -> ClientAMQP.send -> @MessagePattern reply is
 * one trace, exported by the OpenTelemetry SDK (in-memory exporter) in a child process: against the
 * shared broker, then against a private node whose app is stopped while an order is in flight.
 */
import { describe, expect, it } from '@jest/globals';
import type { SpanRecord } from './scenarios/otel-setup.js';
import { startPrivateNode, stopPrivateNode } from './support/private-node.js';
import { runScenario } from './support/run-scenario.js';
import { expectOrderChain } from './support/span-chain.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('one trace across the broker', () => {
  it('HTTP -> publish -> @QueueConsumer -> send -> @MessagePattern -> reply', async () => {
    const prefix = `otel.chain.${process.pid}`;
    const { lines } = await runScenario('trace-chain.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: prefix });
    const order = lines.find((line) => line['phase'] === 'order 1');
    expect(order?.['sum']).toBe(2);
    expectOrderChain(order?.['spans'] as SpanRecord[], prefix);
  }, 240_000);

  it('keeps the trace through a broker restart while the order is in flight (private node)', async () => {
    const node = await startPrivateNode();
    try {
      const prefix = `otel.restart.${process.pid}`;
      const { lines } = await runScenario('trace-chain.scenario.ts', {
        AMQP_URL: node.url,
        OTEL_SCENARIO_PREFIX: prefix,
        OTEL_SCENARIO_RESTART_NODE: node.name,
      });
      const first = lines.find((line) => line['phase'] === 'order 1');
      const second = lines.find((line) => line['phase'] === 'order 2');
      expectOrderChain(first?.['spans'] as SpanRecord[], prefix);
      expect(second?.['sum']).toBe(3);
      expectOrderChain(second?.['spans'] as SpanRecord[], prefix);
      expect(second?.['traceId']).not.toBe(first?.['traceId']);
      const metrics = lines.find((line) => line['phase'] === 'metrics');
      expect(metrics?.['recoveries']).toBeGreaterThanOrEqual(1);
    } finally {
      await stopPrivateNode(node);
    }
  }, 240_000);
});
