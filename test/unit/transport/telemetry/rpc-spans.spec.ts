/**
 * An RPC call is two spans: the caller's send span (it covers the reply's arrival: no receive span)
 * and the server's process span (it covers the reply, as an RPC server span covers its response),
 * whose traceparent the reply carries; a failed reply write is recorded on the process span (the
 * SDK's in-memory exporter reads them back).
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
  it('a call is a client span and a server span; the reply carries the server span context, a failed write marks that span', async () => {
    spans.reset();
    const call = telemetry.request('sum', '', 'rpc', { correlationId: 'c1', replyTo: REPLY_TO }, 2);
    const requestHeaders = call.properties.headers as Record<string, string>;
    expect(requestHeaders['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    let replyHeaders: Record<string, unknown> | undefined;
    const made = { correlationId: 'c1', headers: { 'x-reply-status': 'ok' } };
    await telemetry.consume('rpc', delivery(requestHeaders), async () => {
      replyHeaders = telemetry.reply(made).headers;
      telemetry.replyFailed(new TypeError('channel closed'));
    });
    call.end();

    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => `${span.name} ${span.kind}`).sort()).toEqual([`process rpc ${api.SpanKind.SERVER}`, `send sum ${api.SpanKind.CLIENT}`]);
    const send = finished.find((span) => span.name === 'send sum');
    const serve = finished.find((span) => span.name === 'process rpc');
    expect(serve?.parentSpanContext?.spanId).toBe(send?.spanContext().spanId);
    expect(serve?.spanContext().traceId).toBe(send?.spanContext().traceId);
    // The server span's context, beside the reply's own headers (kept).
    expect(String(replyHeaders?.['traceparent']).split('-')[1]).toBe(serve?.spanContext().traceId);
    expect(String(replyHeaders?.['traceparent']).split('-')[2]).toBe(serve?.spanContext().spanId);
    expect(replyHeaders?.['x-reply-status']).toBe('ok');
    expect(serve?.status.code).toBe(api.SpanStatusCode.ERROR);
    expect(serve?.attributes['error.type']).toBe('TypeError');
    expect(send?.status.code).toBe(api.SpanStatusCode.UNSET);
  });

  it('a reply written fine: the server span ends unset, and no span is made for the reply', async () => {
    spans.reset();
    await telemetry.consume('rpc', delivery({}), async () => {
      expect(telemetry.reply({ correlationId: 'c1' }).headers?.['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    });
    const finished = spans.getFinishedSpans();
    expect(finished.map((span) => span.name)).toEqual(['process rpc']);
    expect(finished[0]?.status.code).toBe(api.SpanStatusCode.UNSET);
    expect(finished[0]?.attributes['error.type']).toBeUndefined();
  });

  it('a reply failure outside any delivery records nothing and does not throw', () => {
    spans.reset();
    telemetry.replyFailed(new Error('lost'));
    expect(spans.getFinishedSpans()).toEqual([]);
  });
});
