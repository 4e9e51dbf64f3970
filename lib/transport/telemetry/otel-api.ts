import type * as OtelApi from '@opentelemetry/api';
import { ownRequire } from './own-require.js';

/** The `@opentelemetry/api` module, as the package reaches it. @internal */
export type OtelApiModule = typeof OtelApi;

/**
 * `@opentelemetry/api` is an optional peer: looked for once, when this module is first evaluated,
 * with a plain `require` (synchronous, so no top-level await in the package), never a static import;
 * `own-require` gives that `require` in each module format.
 * Absent, it is `undefined` and every telemetry hook of the package is skipped by one check. The
 * API keeps its registrations (propagator, tracer and meter providers) on a process-wide global, so
 * the app's own copy, ESM or CommonJS, and this one see the same SDK.
 * @internal
 */
export const otelApi: OtelApiModule | undefined = load();

function load(): OtelApiModule | undefined {
  if (process.env['NESTJS_AMQP_TELEMETRY'] === 'off') return undefined;
  try {
    return ownRequire('@opentelemetry/api') as OtelApiModule;
  } catch {
    return undefined;
  }
}
