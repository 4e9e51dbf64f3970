/**
 * An RPC call is two spans: the caller's send span and the server's process span, which covers the
 * reply. The reply carries the process span's traceparent and has no span of its own; a failed
 * reply write is recorded on the process span (the SDK's in-memory exporter reads them back).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { BasicDeliver } from '../../../../lib/protocol/index.js';
import { AmqpMetrics } from '../../../../lib/transport/telemetry/otel-metrics.js';
import { OtelTelemetry } from '../../../../lib/transport/telemetry/otel-tracing.js';

const spans = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor(spans)] });
provider.register();
const telemetry = new OtelTelemetry(api, new AmqpMetrics(api));

afterAll(async () => {
  await provider.shutdown();
  api.trace.disable();
  api.context.disable();
  api.propagation.disable();
});

const REPLY_TO = 'amq.rabbitmq.reply-to.g1h2AA5yZXBseUAx';

function delivery(headers: Record<string, string>): { content: Buffer; fields: BasicDeliver; properties: { replyTo: string; correlationId: string; headers: Record<string, string> } } {
  const fields = { consumerTag: 'ctag', deliveryTag: 1, redelivered: false, exchange: '', routingKey: 'rpc' } as BasicDeliver;
  return { content: Buffer.from('{}'), fields, properties: { replyTo: REPLY_TO, correlationId: 'c1', headers } };
}

describe('RPC spans', () => {
  it('a call is a client span and a server span; the reply carries the server span context, a failed write marks it', async () => {
    spans.reset();
    const call = telemetry.request('sum', '', 'rpc', { correlationId: 'c1', replyTo: REPLY_TO }, 2);
    const requestHeaders = call.properties.headers as Record<string, string>;
    expect(requestHeaders['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    let replyHeaders: Record<string, unknown> | undefined;
    await telemetry.consume('rpc', delivery(requestHeaders), async () => {
      const reply = telemetry.publish('reply', '', REPLY_TO, { correlationId: 'c1' }, 2);
      replyHeaders = reply.properties.headers;
      reply.end(new TypeError('channel closed'));
    });
    call.end();

    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => `${span.name} ${span.kind}`).sort()).toEqual([`process rpc ${api.SpanKind.SERVER}`, `send sum ${api.SpanKind.CLIENT}`]);
    const send = finished.find((span) => span.name === 'send sum');
    const serve = finished.find((span) => span.name === 'process rpc');
    expect(serve?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(serve?.spanContext().traceId).toBe(send?.spanContext().traceId);
    expect(String(replyHeaders?.['traceparent']).split('-')[2]).toBe(serve?.spanContext().spanId);
    expect(serve?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(serve?.attributes['error.type']).toBe('TypeError');
    expect(send?.status.code).toBe(api.SpanStatusCode.UNSET);
  });

  it('a reply written fine leaves the server span as it was', async () => {
    spans.reset();
    await telemetry.consume('rpc', delivery({}), async () => {
      telemetry.publish('reply', '', REPLY_TO, { correlationId: 'c1' }, 2).end();
    });
    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => span.name)).toEqual(['process rpc']);
    expect(finished[0]?.status.code).toBe(api.SpanStatusCode.UNSET);
    expect(finished[0]?.attributes['error.type']).toBeUndefined();
  });
});
