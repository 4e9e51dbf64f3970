import { otelApi } from './otel-api.js';
import { AmqpMetrics } from './otel-metrics.js';
import { OtelTelemetry } from './otel-tracing.js';
import type { TelemetryHooks } from './telemetry-hooks.js';

/**
 * The Nest layer's telemetry hooks: undefined when `@opentelemetry/api` is not installed (or
 * `NESTJS_AMQP_TELEMETRY=off`), so every hot-path call site is one `!== undefined` check.
 * @internal
 */
export const telemetry: TelemetryHooks | undefined = otelApi === undefined ? undefined : new OtelTelemetry(otelApi, new AmqpMetrics(otelApi));
