/**
 * Trace headers in and out of AMQP properties. The package loads @opentelemetry/api with a plain
 * require (outside Jest's module registry), so the test registers its propagator through the same.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from '@jest/globals';
import type * as Api from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import { extractContext, injectContext } from '../../../../lib/transport/telemetry/trace-headers.js';
import { publishDestination } from '../../../../lib/transport/telemetry/semantic-names.js';

const require = createRequire(import.meta.url);
const api = require('@opentelemetry/api') as typeof Api;
const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof Core;

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const ctx = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: TRACE, spanId: SPAN, traceFlags: 1 });

afterEach(() => api.propagation.disable());

describe('trace headers', () => {
  it('with no propagator registered, the properties come back untouched (the same object)', () => {
    const properties = { headers: { a: 1 } };
    expect(injectContext(api, ctx, properties)).toBe(properties);
  });

  it('writes traceparent into a copy, leaving the caller\'s properties and headers as they were', () => {
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const headers = { a: 1 };
    const properties = { contentType: 'application/json', headers };
    const sent = injectContext(api, ctx, properties);
    expect(sent).not.toBe(properties);
    expect(sent.headers).toEqual({ a: 1, traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(sent.contentType).toBe('application/json');
    expect(headers).toEqual({ a: 1 });
  });

  it('owned properties (a request the caller copied for itself) take the headers, a shared headers object is still copied', () => {
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const headers = { a: 1 };
    const properties = { correlationId: 'c', headers };
    const sent = injectContext(api, ctx, properties, true);
    expect(sent).toBe(properties);
    expect(sent.headers).toEqual({ a: 1, traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(headers).toEqual({ a: 1 });
    const bare: { contentType?: string } = {};
    expect(injectContext(api, ctx, bare, true).headers).toEqual({ traceparent: `00-${TRACE}-${SPAN}-01` });
  });

  it('reads the producer context from a string or a Buffer header', () => {
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    for (const value of [`00-${TRACE}-${SPAN}-01`, Buffer.from(`00-${TRACE}-${SPAN}-01`)]) {
      const parent = api.trace.getSpanContext(extractContext(api, { headers: { traceparent: value } }));
      expect(parent).toMatchObject({ traceId: TRACE, spanId: SPAN, isRemote: true });
    }
    expect(api.trace.getSpanContext(extractContext(api, {}))).toBeUndefined();
  });
});

describe('publishDestination', () => {
  it('follows the RabbitMQ conventions and keeps reply-to and oversize names low-cardinality', () => {
    expect(publishDestination('orders', 'created')).toBe('orders:created');
    expect(publishDestination('orders', '')).toBe('orders');
    expect(publishDestination('', 'q')).toBe('q');
    expect(publishDestination('', '')).toBe('amq.default');
    expect(publishDestination('', 'amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5.abc')).toBe('amq.rabbitmq.reply-to');
    expect(publishDestination('', 'k'.repeat(10_000))).toHaveLength(255);
  });
});
