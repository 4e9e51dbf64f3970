/**
 * An RPC call is three spans: the caller's send span (it covers the reply's arrival: no receive span),
 * the server's process span, and the reply's span under it, whose traceparent the reply carries; a
 * failed reply write is recorded on the reply span (the SDK's in-memory exporter reads them back).
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
  it('a call is a client span, a server span and a reply span under it; the reply carries the reply span context, a failed write marks it', async () => {
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
    expect(finished.map((span) => `${span.name} ${span.kind}`).sort()).toEqual([
      `process rpc ${api.SpanKind.SERVER}`,
      `reply amq.rabbitmq.reply-to ${api.SpanKind.PRODUCER}`,
      `send sum ${api.SpanKind.CLIENT}`,
    ]);
    const send = finished.find((span) => span.name === 'send sum');
    const serve = finished.find((span) => span.name === 'process rpc');
    const reply = finished.find((span) => span.name.startsWith('reply '));
    expect(serve?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(reply?.parentSpanContext?.spanId).toBe(serve?.spanContext().spanId);
    expect(serve?.spanContext().traceId).toBe(send?.spanContext().traceId);
    expect(String(replyHeaders?.['traceparent']).split('-')[2]).toBe(reply?.spanContext().spanId);
    expect(reply?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(reply?.attributes['error.type']).toBe('TypeError');
    expect(serve?.status.code).toBe(api.SpanStatusCode.UNSET);
    expect(send?.status.code).toBe(api.SpanStatusCode.UNSET);
  });

  it('a reply written fine: its span and the server span end unset, nothing more', async () => {
    spans.reset();
    await telemetry.consume('rpc', delivery({}), async () => {
      telemetry.publish('reply', '', REPLY_TO, { correlationId: 'c1' }, 2).end();
    });
    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => span.name).sort()).toEqual(['process rpc', 'reply amq.rabbitmq.reply-to']);
    for (const span of finished) {
      expect(span.status.code).toBe(api.SpanStatusCode.UNSET);
      expect(span.attributes['error.type']).toBeUndefined();
    }
  });
});
