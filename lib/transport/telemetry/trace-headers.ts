import type { TextMapGetter, TextMapSetter, Context } from '@opentelemetry/api';
import type { BasicProperties, FieldTable } from '../../protocol/index.js';
import { fullProperties } from '../core/full-properties.js';
import type { OtelApiModule } from './otel-api.js';

/**
 * W3C trace context (`traceparent`, `tracestate`) and `baggage` in AMQP headers, through the global
 * propagator: the same plain string headers @opentelemetry/instrumentation-amqplib writes and reads,
 * so traces cross between this package and amqplib in both directions.
 * @internal
 */
const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

/** Header values may arrive as strings or (another producer's byte arrays) Buffers. */
export const headerGetter: TextMapGetter<FieldTable> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    return undefined;
  },
};

const EMPTY: FieldTable = Object.freeze({}) as FieldTable;

/**
 * The properties to publish with `ctx` written into their headers: a copy (the caller's object, and
 * its headers, may be shared), or the same object when the propagator wrote nothing (no SDK, or a
 * propagator that carries nothing), so nobody gets headers they did not ask for. `owned`: the
 * caller made `properties` for this one message, so they take the headers themselves (one copy of
 * the 14 properties less per message); their headers object is still copied, it may be shared.
 * @internal
 */
export function injectContext(api: OtelApiModule, ctx: Context, properties: BasicProperties, owned = false): BasicProperties {
  const carrier: Record<string, string> = {};
  api.propagation.inject(ctx, carrier, setter);
  let written = false;
  for (const _key in carrier) {
    written = true;
    break;
  }
  if (!written) return properties;
  const copy = owned ? properties : fullProperties(properties);
  copy.headers = properties.headers === undefined ? carrier : Object.assign({}, properties.headers, carrier);
  return copy;
}

/** The producer's context read from a message's headers (ROOT when it carries none). @internal */
export function extractContext(api: OtelApiModule, properties: BasicProperties): Context {
  return api.propagation.extract(api.ROOT_CONTEXT, properties.headers ?? EMPTY, headerGetter);
}
