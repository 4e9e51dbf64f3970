/**
 * Preload for `npm run bench:nest` with tracing on: the OpenTelemetry SDK registered before the
 * bench starts, every span sampled and exported in batches to an exporter that only counts them,
 * metrics read every 5 s (the cost of a real set-up without a network exporter's).
 *
 *   npx tsx --import ./bench/support/otel-on.ts bench/nest.bench.ts
 */
import { metrics } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let exported = 0;
const countingExporter: SpanExporter = {
  export(spans: ReadableSpan[], done) {
    exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  async shutdown() {},
};

// Named in the bench's JSON (BENCH_JSON), so charts tell the runs apart.
process.env.BENCH_TRACING = 'sdk';

new NodeTracerProvider({
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new BatchSpanProcessor(countingExporter, { maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 200 })],
}).register();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
metrics.setGlobalMeterProvider(
  new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 5000 })] }),
);
setInterval(() => metricExporter.reset(), 5000).unref();
process.on('exit', () => process.stderr.write(`otel-on: ${exported} spans exported\n`));
