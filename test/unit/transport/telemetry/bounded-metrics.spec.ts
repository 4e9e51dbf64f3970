/**
 * Metric attributes a producer controls stay bounded: a server answering 2,500 requests whose
 * reply_to values all differ, and publishes to 2,500 distinct routing keys, create a bounded number
 * of series in the SDK (read back through its in-memory exporter), not one per value.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { channel } from 'node:diagnostics_channel';
import * as api from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { DIAGNOSTICS_CHANNELS } from '../../../../lib/protocol/diagnostics.js';
import { AmqpMetrics } from '../../../../lib/transport/telemetry/otel-metrics.js';
import { MAX_DESTINATIONS, OTHER_DESTINATION, REPLY_DESTINATION } from '../../../../lib/transport/telemetry/bounded-destinations.js';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
api.metrics.setGlobalMeterProvider(provider);

afterAll(async () => {
  await provider.shutdown();
  api.metrics.disable();
});

async function sentSeries(): Promise<Map<string, number>> {
  await reader.forceFlush();
  const series = new Map<string, number>();
  for (const resource of exporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== 'messaging.client.sent.messages') continue;
        for (const point of metric.dataPoints) series.set(String(point.attributes['messaging.destination.name']), point.value as number);
      }
    }
  }
  exporter.reset();
  return series;
}

describe('metric series a producer cannot multiply', () => {
  const metrics = new AmqpMetrics(api);
  const publish = channel(DIAGNOSTICS_CHANNELS.publish);

  it('2,500 distinct reply_to values make one reply series; the app destination keeps its own', async () => {
    expect(metrics.active).toBe(true);
    for (let i = 0; i < 2_500; i++) {
      publish.publish({ channelNumber: 1, exchange: '', routingKey: `forged.reply.${i}`, mandatory: false, properties: { correlationId: `c${i}` }, bodySize: 10 });
      if (i % 100 === 0) publish.publish({ channelNumber: 1, exchange: 'orders', routingKey: 'created', mandatory: false, properties: {}, bodySize: 10 });
    }
    const series = await sentSeries();
    expect(series.get(REPLY_DESTINATION)).toBe(2_500);
    expect(series.get('orders:created')).toBe(25);
    expect(series.size).toBe(2);
    console.log(`2,500 distinct reply_to values -> ${series.size} series of messaging.client.sent.messages`);
  });

  it('2,500 distinct routing keys chosen by a producer: at most MAX_DESTINATIONS + 1 series', async () => {
    for (let i = 0; i < 2_500; i++) {
      publish.publish({ channelNumber: 1, exchange: 'events', routingKey: `key.${i}`, mandatory: false, properties: {}, bodySize: 10 });
    }
    const series = await sentSeries();
    expect(series.size).toBeLessThanOrEqual(MAX_DESTINATIONS + 3);
    expect(series.get('orders:created')).toBe(25);
    expect(series.get(OTHER_DESTINATION)).toBeGreaterThan(2_000);
    console.log(`2,500 distinct routing keys -> ${series.size} series (overflow "${OTHER_DESTINATION}": ${series.get(OTHER_DESTINATION)})`);
  });
});
