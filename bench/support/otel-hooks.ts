/**
 * The package's telemetry hooks for one RPC call, called as the transport calls them but with no
 * transport, broker or Nest: `request` (send span, trace context into the request's properties), the
 * engine's publish diagnostic, `consume` around a handler that calls `routed` and publishes the reply
 * (`reply`: its properties with the trace context, its diagnostic), `settled`, then the call's `end`. Set against
 * support/otel-floor.ts (the same spans and records made on the SDK directly), the difference is
 * what the package's instrumentation costs above the SDK's own work, without the transport's noise.
 *
 * Needs the SDK registered (the preload bench/support/otel-on.ts) and the telemetry refreshed after it.
 */
import { diagnostics } from '../../lib/protocol/diagnostics.js';
import type { BasicProperties } from '../../lib/protocol/index.js';
import { fullProperties } from '../../lib/transport/core/full-properties.js';
import type { AmqpMessage } from '../../lib/transport/core/amqp.context.js';
import { telemetry } from '../../lib/transport/telemetry/telemetry.js';
import { cpuPerCallUs } from './in-flight.js';
import type { TelemetryHooks } from '../../lib/transport/telemetry/telemetry-hooks.js';

/** The bench's request queue, as bench/nest.bench.ts names its own (the spans' destination attribute). */
export const QUEUE = `bench-nest-ours-${process.pid}-mxd0k2a1`;
/** A direct reply-to routing key as RabbitMQ 3.x writes it (the reply span's routing key attribute). */
export const REPLY_KEY = 'amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5MjQ4ODg0AAAUZgAAAABrFhi0.2DNoTDVASV/7tb/gFhVyDA==';
const REQUEST_BODY = Buffer.alloc(62);
const REPLY_BODY = Buffer.alloc(32);

/** A correlation id of the transport's length (22 characters), different per call. */
export function correlationId(i: number): string {
  return `${i.toString(36).padStart(8, '0')}QbN3fVx0aZk9wT`;
}

/** The engine's publish diagnostic, as it builds one only while someone (the metrics) listens. */
function published(exchange: string, routingKey: string, properties: BasicProperties, bodySize: number): void {
  if (diagnostics.publish.hasSubscribers) {
    diagnostics.publish.publish({ channelNumber: 1, exchange, routingKey, mandatory: exchange === '', properties, bodySize });
  }
}

async function handle(hooks: TelemetryHooks, id: string): Promise<void> {
  hooks.routed('sum');
  const properties = hooks.reply({ contentType: 'application/json', correlationId: id });
  published('', REPLY_KEY, properties, REPLY_BODY.length);
}

async function call(hooks: TelemetryHooks, i: number): Promise<void> {
  const id = correlationId(i);
  const properties = fullProperties({ contentType: 'application/json' });
  properties.replyTo = 'amq.rabbitmq.reply-to';
  properties.correlationId = id;
  const rpc = hooks.request('sum', '', QUEUE, properties, REQUEST_BODY.length);
  published('', QUEUE, rpc.properties, REQUEST_BODY.length);
  // What the server's decoder would give: the request's properties, headers as sent.
  const message: AmqpMessage = {
    content: REQUEST_BODY,
    fields: { consumerTag: 'amq.ctag-1', deliveryTag: i + 1, redelivered: false, exchange: '', routingKey: QUEUE },
    properties: rpc.properties,
  };
  await hooks.consume(QUEUE, message, () => handle(hooks, id));
  hooks.settled(QUEUE, 'acked');
  rpc.end();
}

/** `calls` calls through the package's hooks, `inFlight` at a time; this process's CPU per call in µs. */
export async function hooksCpuPerCall(calls: number, inFlight = 100): Promise<number> {
  const hooks = telemetry;
  if (hooks === undefined) throw new Error('@opentelemetry/api is not loaded (NESTJS_AMQP_TELEMETRY=off?)');
  hooks.refresh();
  return cpuPerCallUs(calls, inFlight, (i) => call(hooks, i));
}
