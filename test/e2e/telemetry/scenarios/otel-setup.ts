/**
 * The OpenTelemetry SDK as an app sets it up, with in-memory exporters: imported first by each
 * scenario (before Nest, http or amqplib are loaded), so the http and amqplib instrumentations can
 * patch what is loaded after them.
 */
import { metrics } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export const spanExporter = new InMemorySpanExporter();
const tracerProvider = new NodeTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
// AsyncLocalStorage context manager, W3C trace-context + baggage propagators.
tracerProvider.register();

/** A reader that is only read on demand. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}
export const metricReader = new OnDemandReader();
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [metricReader] }));

registerInstrumentations({
  instrumentations: process.env['OTEL_SCENARIO_AMQPLIB'] === '1' ? [new HttpInstrumentation(), new AmqplibInstrumentation()] : [new HttpInstrumentation()],
});

/** A span as the tests and the waterfall renderer read it. */
export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  links: string[];
  attributes: Record<string, unknown>;
  status: number;
  scope: string;
  /** Microseconds since the epoch. */
  start: number;
  end: number;
}

function micros([seconds, nanos]: [number, number]): number {
  return seconds * 1e6 + Math.round(nanos / 1e3);
}

export function spanRecord(span: ReadableSpan): SpanRecord {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    links: span.links.map((link) => link.context.spanId),
    attributes: { ...span.attributes },
    status: span.status.code,
    scope: span.instrumentationScope.name,
    start: micros(span.startTime),
    end: micros(span.endTime),
  };
}

/** Finished spans so far, as records. */
export function finishedSpans(): SpanRecord[] {
  return spanExporter.getFinishedSpans().map(spanRecord);
}

/** Sums of every counter data point, by `name` and then by the given attribute's value ('' when absent). */
export async function readCounters(attribute: string): Promise<Record<string, Record<string, number>>> {
  const { resourceMetrics } = await metricReader.collect();
  return sums(resourceMetrics, attribute);
}

function sums(resourceMetrics: ResourceMetrics, attribute: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const byKey: Record<string, number> = (out[metric.descriptor.name] ??= {});
      for (const point of metric.dataPoints) {
        const key = String(point.attributes[attribute] ?? '');
        const value = typeof point.value === 'number' ? point.value : (point.value as { count: number }).count;
        byKey[key] = (byKey[key] ?? 0) + value;
      }
    }
  }
  return out;
}
