import { expect } from '@jest/globals';
import type { SpanRecord } from '../scenarios/otel-setup.js';

// SpanKind values of the OpenTelemetry API.
export const SERVER = 1;
export const CLIENT = 2;
export const PRODUCER = 3;
export const CONSUMER = 4;

/** Span times here are in microseconds; the SDK's start stamps have millisecond resolution. */
const SDK_CLOCK_SLACK_US = 1000;

export function only(spans: SpanRecord[], name: string, kind: number): SpanRecord {
  const found = spans.filter((span) => span.name === name && span.kind === kind);
  expect({ name, kind, count: found.length }).toEqual({ name, kind, count: 1 });
  return found[0] as SpanRecord;
}

/**
 * The order's trace: HTTP server span -> publish (AmqpPublisher) -> process (@QueueConsumer) -> send
 * (ClientAMQP) -> process (@MessagePattern, a server span, which covers the reply). Neither the reply
 * nor its arrival at the client has a span of its own: the server and send spans cover them. One
 * trace id for all of them.
 */
export function expectOrderChain(spans: SpanRecord[], prefix: string): void {
  const orders = `${prefix}.orders`;
  const rpc = `${prefix}.rpc`;
  const http = spans.find((span) => span.kind === SERVER && span.scope.includes('http'));
  expect(http).toBeDefined();
  const publish = only(spans, `publish ${orders}`, PRODUCER);
  const processOrder = only(spans, `process ${orders}`, CONSUMER);
  const send = only(spans, 'send sum', CLIENT);
  const serve = only(spans, `process ${rpc}`, SERVER);
  expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
  expect(publish.parentSpanId).toBe(http?.spanId);
  expect(processOrder.parentSpanId).toBe(publish.spanId);
  expect(send.parentSpanId).toBe(processOrder.spanId);
  expect(serve.parentSpanId).toBe(send.spanId);
  expect(spans.filter((span) => span.name.startsWith('receive ') || span.name.startsWith('reply ')).map((span) => span.name)).toEqual([]);
  expect(publish.attributes).toMatchObject({
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'send',
    'messaging.destination.name': orders,
    'messaging.rabbitmq.destination.routing_key': orders,
    'messaging.message.body.size': expect.any(Number),
    'messaging.message.id': expect.any(String),
  });
  expect(processOrder.attributes).toMatchObject({
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': orders,
    'messaging.message.id': publish.attributes['messaging.message.id'],
    'messaging.rabbitmq.message.delivery_tag': expect.any(Number),
  });
  expect(send.attributes).toMatchObject({ 'rpc.method': 'sum', 'messaging.destination.name': rpc, 'messaging.message.conversation_id': expect.any(String) });
  expect(serve.attributes).toMatchObject({
    'messaging.nestjs.pattern': 'sum',
    'messaging.message.conversation_id': send.attributes['messaging.message.conversation_id'],
  });
  for (const span of [publish, processOrder, send, serve]) expect(span.status).toBe(0);
  // Children inside their parents' time (the consumer starts after the publish started). The SDK
  // stamps a span's start with Date.now() (whole milliseconds) and its end as start + a performance.now()
  // duration, so two spans' times can be off from each other by up to 1 ms: the check allows that much.
  expect(send.start).toBeGreaterThanOrEqual(processOrder.start - SDK_CLOCK_SLACK_US);
  expect(send.end).toBeLessThanOrEqual(processOrder.end + SDK_CLOCK_SLACK_US);
}
