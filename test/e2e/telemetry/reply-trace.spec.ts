/**
 * Replies from @QueueConsumer and @MessagePattern carry the trace context (traceparent) of the
 * message's process span, in the request's trace, and have no span of their own: the process span
 * covers them (SDK in a child process).
 */
import { describe, expect, it } from '@jest/globals';
import type { SpanRecord } from './scenarios/otel-setup.js';
import { runScenario } from './support/run-scenario.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('reply trace context', () => {
  it('@QueueConsumer and @MessagePattern replies: the process span\'s traceparent, in the request trace, and no reply span', async () => {
    const { lines } = await runScenario('reply-trace.scenario.ts', { AMQP_URL, OTEL_SCENARIO_PREFIX: `otel.reply.${process.pid}` });
    for (const phase of ['queue-consumer', 'message-pattern']) {
      const line = lines.find((candidate) => candidate['phase'] === phase) as {
        requestTraceId: string;
        replied: boolean;
        replyTraceparent: string | undefined;
        spans: SpanRecord[];
      };
      expect(line.replied).toBe(true);
      expect(line.replyTraceparent).toMatch(new RegExp(`^00-${line.requestTraceId}-[0-9a-f]{16}-0[01]$`));
      const process = line.spans.find((span) => span.name.startsWith('process '));
      expect(process).toBeDefined();
      expect(line.spans.filter((span) => span.name.startsWith('reply ')).map((span) => span.name)).toEqual([]);
      expect(line.replyTraceparent?.split('-')[2]).toBe(process?.spanId);
      console.log(`${phase}: reply traceparent ${line.replyTraceparent}, spans ${line.spans.map((span) => span.name).join(', ')}`);
    }
  }, 240_000);
});
