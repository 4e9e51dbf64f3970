/**
 * Preload for `npm run bench:nest` with tracing on: the OpenTelemetry SDK registered before the
 * bench starts, every span sampled and exported in batches to an exporter that only counts them,
 * metrics read every 5 s (the cost of a real set-up without a network exporter's).
 *
 * The batch span processor has the SDK's defaults (what `NodeSDK` gives an app: batches of 512, a
 * queue of 2,048, a 5 s timer), so spans are exported, and freed, as soon as a batch is full. An
 * earlier version of this file held up to 4,096 finished spans for 200 ms (BENCH_OTEL_BATCH=held
 * restores it): the garbage collector then copies each span several times before it goes, a cost
 * of that set-up, not of the transport. A queue that overflows drops spans, which would flatter the
 * figure: the drops are counted and printed at exit, loudly.
 *
 *   npx tsx --import ./bench/support/otel-on.ts bench/nest.bench.ts
 */
import { diag, DiagLogLevel, metrics } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let exported = 0;
let dropped = 0;
const countingExporter: SpanExporter = {
  export(spans: ReadableSpan[], done) {
    exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  async shutdown() {},
};

// The processor reports drops only through diag ("Dropped N spans because maxQueueSize reached").
diag.setLogger(
  {
    error: (message) => process.stderr.write(`otel: ${message}\n`),
    warn: (message) => {
      const counted = /^Dropped (\d+) spans/.exec(message);
      if (counted !== null) dropped += Number(counted[1]);
      else process.stderr.write(`otel: ${message}\n`);
    },
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  },
  DiagLogLevel.WARN,
);

// Named in the bench's JSON (BENCH_JSON), so charts tell the runs apart.
process.env.BENCH_TRACING = 'sdk';

const held = process.env.BENCH_OTEL_BATCH === 'held';
const processor = new BatchSpanProcessor(
  countingExporter,
  held ? { maxQueueSize: 65_536, maxExportBatchSize: 4096, scheduledDelayMillis: 200 } : undefined,
);
new NodeTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [processor] }).register();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
metrics.setGlobalMeterProvider(
  new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 5000 })] }),
);
setInterval(() => metricExporter.reset(), 5000).unref();
process.on('exit', () => {
  // Drops not yet reported through diag (the processor reports them with the next span it keeps).
  dropped += (processor as unknown as { _droppedSpansCount?: number })._droppedSpansCount ?? 0;
  const batch = held ? 'held batches (4,096 spans, 200 ms)' : "the SDK's default batches";
  process.stderr.write(`otel-on: ${exported} spans exported, ${dropped} dropped, ${batch}\n`);
  if (dropped > 0) process.stderr.write('otel-on: SPANS WERE DROPPED: the figures above did less than the SDK asks of a call\n');
});
