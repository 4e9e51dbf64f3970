/**
 * The OpenTelemetry SDK's own floor for one RPC call: exactly what the package asks of the SDK per
 * `send('sum')` with tracing on, and nothing else (no transport, no broker, no Nest, no bytes).
 * The same two spans with the same kinds, attribute counts and parent links as the transport's
 * (see docs/tracing-and-metrics.md: `send sum` client span with 8 attributes, `process {queue}`
 * server span with 9 plus the pattern set inside; the reply has no span of its own), the W3C context
 * injected into a plain headers object by the caller and by the server into its reply (the process
 * span's), and extracted by the server, the handler run inside `context.with` and the delivery's state
 * read back from the active context, and the two histogram records (process and call durations).
 * The per-message counts are the transport's own tallies (observed at collection), so they are not
 * SDK work per call.
 *
 * CPU per call (process.cpuUsage) at IN_FLIGHT calls in flight, as bench/nest.bench.ts measures the
 * transport: added to tracing-off's CPU per call, it is the least any instrumentation making these
 * spans could cost, so (off + floor) / off is the best ratio to tracing off it could reach.
 *
 * The SDK must be registered first (the preload bench/support/otel-on.ts):
 *   npm run bench:otel:floor   (FLOOR_CALLS=20000, FLOOR_ROUNDS=7; with BENCH_OFF_US=<tracing-off CPU
 *                               per call, µs> or BENCH_OFF_JSON=<a bench:nest BENCH_JSON> also the bound)
 * It also runs, in turns with the floor, the package's own hooks for the same call with no transport
 * (support/otel-hooks.ts): their difference is the instrumentation's cost above the SDK's.
 * bench:nest:otel measures the floor every round too (printed after its tables, `sdkFloorUs` in BENCH_JSON).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ROOT_CONTEXT, SpanKind, context, createContextKey, metrics, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { cpuPerCallUs } from './in-flight.js';
import { median } from './median.js';
import { QUEUE, correlationId, hooksCpuPerCall } from './otel-hooks.js';

const SCOPE = createContextKey('otel-floor delivery');
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Instruments {
  processDuration: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']>;
  rpcDuration: ReturnType<ReturnType<typeof metrics.getMeter>['createHistogram']>;
}

let instruments: Instruments | undefined;

function instrumentsOnce(): Instruments {
  if (instruments !== undefined) return instruments;
  const meter = metrics.getMeter('otel-floor');
  const histogram = (name: string): Instruments['rpcDuration'] =>
    meter.createHistogram(name, { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  instruments = { processDuration: histogram('floor.process.duration'), rpcDuration: histogram('floor.rpc.duration') };
  return instruments;
}

// Metric attributes as the transport keeps them: one object per queue and per call label.
const QUEUE_ATTRIBUTES: Attributes = { 'messaging.system': 'rabbitmq', 'messaging.destination.name': QUEUE };
const RPC_ATTRIBUTES: Attributes = { 'messaging.system': 'rabbitmq', 'rpc.method': 'sum' };

/** The server side: the process span, the handler inside its context, the reply carrying that span's context. */
async function serve(tracer: ReturnType<typeof trace.getTracer>, headers: Record<string, string>, id: string, tag: number): Promise<void> {
  const started = performance.now();
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    `process ${QUEUE}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': QUEUE,
        'messaging.consumer.group.name': QUEUE,
        'messaging.rabbitmq.destination.routing_key': QUEUE,
        'messaging.rabbitmq.message.delivery_tag': tag,
        'messaging.message.body.size': 62,
        'messaging.message.conversation_id': id,
      },
    },
    parent,
  );
  await context.with(trace.setSpan(parent, span).setValue(SCOPE, span), handle, undefined, id);
  span.end();
  instrumentsOnce().processDuration.record((performance.now() - started) / 1000, QUEUE_ATTRIBUTES);
}

/** The handler's part: the pattern on the delivery's span (read from the active context), then the reply's headers with its context. */
async function handle(id: string): Promise<void> {
  (context.active().getValue(SCOPE) as Span).setAttribute('messaging.nestjs.pattern', 'sum');
  const replyHeaders: Record<string, string> = { 'x-correlation': id };
  propagation.inject(context.active(), replyHeaders);
}

/** One call as the caller makes it: the send span, its context in the request's headers, the server, the end. */
async function call(tracer: ReturnType<typeof trace.getTracer>, i: number): Promise<void> {
  const started = performance.now();
  const id = correlationId(i);
  const span = tracer.startSpan('send sum', {
    kind: SpanKind.CLIENT,
    attributes: {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': QUEUE,
      'messaging.rabbitmq.destination.routing_key': QUEUE,
      'messaging.message.body.size': 62,
      'rpc.method': 'sum',
      'messaging.message.conversation_id': id,
    },
  });
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headers);
  await serve(tracer, headers, id, i + 1);
  span.end();
  instrumentsOnce().rpcDuration.record((performance.now() - started) / 1000, RPC_ATTRIBUTES);
}

/** `calls` calls, `inFlight` at a time; this process's CPU per call in µs. */
export async function sdkFloorCpuPerCall(calls: number, inFlight = 100): Promise<number> {
  const tracer = trace.getTracer('otel-floor');
  return cpuPerCallUs(calls, inFlight, (i) => call(tracer, i));
}

/** The best ratio to tracing off any instrumentation making these spans could reach. */
export function floorBound(offUs: number, floorUs: number): number {
  return (offUs + floorUs) / offUs;
}

/**
 * Tracing-off CPU per call to set the floor against: BENCH_OFF_US (µs), or `peers.ours.parallelProcessUs`
 * of a bench:nest run's BENCH_JSON named by BENCH_OFF_JSON. Undefined when neither is given.
 */
export function tracingOffUs(): number | undefined {
  if (process.env.BENCH_OFF_US !== undefined) return Number(process.env.BENCH_OFF_US);
  const path = process.env.BENCH_OFF_JSON;
  if (path === undefined) return undefined;
  const data = JSON.parse(readFileSync(path, 'utf8')) as { peers?: { ours?: { parallelProcessUs?: number } } };
  return data.peers?.ours?.parallelProcessUs;
}

/** bench:nest:otel's lines on the floor: the SDK's own cost, ours above it, and (off known) the bound. */
export function printFloor(floorUs: number, oursOnUs: number): void {
  console.log(
    `\nThe SDK's floor (support/otel-floor.ts: the same 2 spans, 2 propagations, context.with and 2 histogram ` +
      `records, no transport): ${floorUs.toFixed(1)} us/call. Ours (acked) with the SDK: ${oursOnUs.toFixed(1)} us/call.`,
  );
  const off = tracingOffUs();
  if (off === undefined) {
    console.log('Tracing off not known here: BENCH_OFF_US=<us> or BENCH_OFF_JSON=<bench:nest JSON> prints the bound.');
    return;
  }
  console.log(
    `Tracing off ${off.toFixed(1)} us/call: the best any instrumentation making these spans could reach is ` +
      `(off + floor) / off = ${floorBound(off, floorUs).toFixed(2)}x; ours is ${(oursOnUs / off).toFixed(2)}x, ` +
      `${(oursOnUs - off - floorUs).toFixed(1)} us/call above off + floor: the package's hooks (npm run bench:otel:floor sets them ` +
      `against the floor alone), and the context manager's promise hooks on the transport's and Nest's own promises.`,
  );
}

async function main(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => object };
  if (provider.getDelegate?.().constructor.name === 'NoopTracerProvider') {
    throw new Error('no tracer provider: run with --import ./bench/support/otel-on.ts');
  }
  const calls = Number(process.env.FLOOR_CALLS ?? 20_000);
  const rounds = Number(process.env.FLOOR_ROUNDS ?? 7);
  // Warm-up: JIT, the SDK's first allocations. Then the floor and the package's hooks in turns.
  await sdkFloorCpuPerCall(calls);
  await hooksCpuPerCall(calls);
  const floors: number[] = [];
  const hooks: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    floors.push(await sdkFloorCpuPerCall(calls));
    hooks.push(await hooksCpuPerCall(calls));
    console.log(`round ${r + 1}: SDK floor ${floors.at(-1)?.toFixed(2)} us/call, the package's hooks ${hooks.at(-1)?.toFixed(2)} us/call`);
  }
  const floor = median(floors);
  console.log(`SDK floor median: ${floor.toFixed(2)} us/call (2 spans, 2 propagations, 2 histogram records)`);
  console.log(
    `the package's hooks, no transport: ${median(hooks).toFixed(2)} us/call, ` +
      `${median(hooks.map((h, i) => h - (floors[i] ?? Number.NaN))).toFixed(2)} us/call above the floor (median of the rounds' differences)`,
  );
  const off = tracingOffUs();
  if (off !== undefined) console.log(`bound: (${off.toFixed(1)} + ${floor.toFixed(2)}) / ${off.toFixed(1)} = ${floorBound(off, floor).toFixed(2)}x tracing off`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('otel-floor failed:', error);
      process.exit(1);
    },
  );
}
