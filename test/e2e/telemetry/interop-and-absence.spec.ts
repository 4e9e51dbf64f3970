/**
 * Trace context crosses between this package and amqplib instrumented by
 * @opentelemetry/instrumentation-amqplib, both ways; and without OpenTelemetry installed (made
 * unresolvable in the child process) everything works and no trace header is written.
 */
import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import type { SpanRecord } from './scenarios/otel-setup.js';
import { runScenario } from './support/run-scenario.js';
import { CONSUMER, PRODUCER, only } from './support/span-chain.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const hide = fileURLToPath(new URL('./scenarios/hide-opentelemetry.mjs', import.meta.url));

describe('interop with @opentelemetry/instrumentation-amqplib', () => {
  it('an amqplib producer trace continues in our consumer, and ours in an amqplib consumer', async () => {
    const prefix = `otel.interop.${process.pid}`;
    const { lines } = await runScenario('amqplib-interop.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: prefix, OTEL_SCENARIO_AMQPLIB: '1' });
    const spans = lines.find((line) => line['phase'] === 'interop')?.['spans'] as SpanRecord[];

    const theirPublish = only(spans, 'publish <default>', PRODUCER);
    expect(theirPublish.scope).toBe('@opentelemetry/instrumentation-amqplib');
    const ourProcess = only(spans, `process ${prefix}.into-ours`, CONSUMER);
    expect(ourProcess.traceId).toBe(theirPublish.traceId);
    expect(ourProcess.parentSpanId).toBe(theirPublish.spanId);

    const ourPublish = only(spans, `publish ${prefix}.into-amqplib`, PRODUCER);
    const theirProcess = only(spans, `${prefix}.into-amqplib process`, CONSUMER);
    expect(theirProcess.scope).toBe('@opentelemetry/instrumentation-amqplib');
    expect(theirProcess.traceId).toBe(ourPublish.traceId);
    expect(theirProcess.parentSpanId).toBe(ourPublish.spanId);
    expect(ourPublish.traceId).not.toBe(theirPublish.traceId);
  }, 240_000);
});

describe('without OpenTelemetry', () => {
  const cases: Array<{ name: string; args: string[]; env: Record<string, string>; api: boolean; expected: string[] }> = [
    { name: '@opentelemetry/api not installed', args: ['--import', hide], env: {}, api: false, expected: [] },
    { name: 'the API installed, no SDK registered', args: [], env: {}, api: true, expected: [] },
    { name: 'the SDK registered (control)', args: [], env: { OTEL_SCENARIO_SDK: '1' }, api: true, expected: ['traceparent'] },
  ];
  for (const { name, args, env, api, expected } of cases) {
    it(`${name}: publish, request and event work; trace headers written: ${JSON.stringify(expected)}`, async () => {
      const prefix = `otel.headers.${process.pid}.${api ? 'a' : 'n'}${expected.length}`;
      const { lines } = await runScenario('headers.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: prefix, ...env }, args);
      const result = lines.find((line) => line['phase'] === 'headers');
      expect(result).toEqual({
        phase: 'headers',
        apiResolves: api,
        doubled: 42,
        seen: { published: expected, request: expected, event: expected },
      });
    }, 240_000);
  }
});
