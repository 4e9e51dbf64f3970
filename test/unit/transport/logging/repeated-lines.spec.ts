import { describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { REPEAT_BURST, reasonKind, RepeatedLines } from '../../../../lib/transport/logging/repeated-lines.js';
import type { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { DirectReplyRpc } from '../../../../lib/transport/publish/direct-reply-rpc.js';

describe('RepeatedLines', () => {
  it('writes the first lines of a kind, counts the rest, and sums them up once per interval', () => {
    let now = 0;
    const lines: string[] = [];
    const repeated = new RepeatedLines(10_000, REPEAT_BURST, () => now);
    const write = (line: string): void => void lines.push(line);
    for (let i = 0; i < 50_000; i++) {
      now = i; // 50 s of one message a millisecond
      repeated.say('q|no-handler', `line ${i}`, write);
      repeated.say('q|other', `other ${i}`, write);
    }
    repeated.flush(write);
    const summed = lines.reduce((sum, line) => sum + (Number(/^(\d+) more/.exec(line)?.[1] ?? 0) || 1), 0);
    expect(summed).toBe(100_000);
    expect(lines.length).toBeLessThanOrEqual(2 * 5 * (REPEAT_BURST + 1));
    expect(lines.at(-1)).toMatch(/^\d+ more like this in the last \d+ s \(10 written in full\); the last: other 49999$/);
  });

  it('a kind is the fixed text before the first quoted value or colon', () => {
    expect(reasonKind('no event handler for pattern "x\\ny"')).toBe('no event handler for pattern ');
    expect(reasonKind('the deserializer failed: Unexpected token')).toBe('the deserializer failed');
  });

  it('a forged correlation id cannot inject a log line through the dropped-reply line', async () => {
    const lines: string[] = [];
    const keep = (message: unknown): void => void lines.push(String(message));
    const logger: LoggerService = { log: keep, error: keep, warn: keep, debug: keep, verbose: keep };
    Logger.overrideLogger(logger);
    try {
      let deliver: ((c: unknown, m: unknown, p: { correlationId: string }, b: Buffer) => void) | undefined;
      const channel = {
        isOpen: true,
        state: 'OPEN',
        basicConsume: (_q: string, on: typeof deliver) => ((deliver = on), Promise.resolve('t')),
        addOnCloseCallback: () => undefined,
        addOnReturnCallback: () => undefined,
      };
      await DirectReplyRpc.open({ channel: () => Promise.resolve(channel) } as unknown as AmqpConnectionHost);
      for (let i = 0; i < 1_000; i++) deliver?.(channel, {}, { correlationId: `x${i}\n[Nest] 1 - ERROR [Forged] injected \u001b[31m` }, Buffer.alloc(0));
    } finally {
      Logger.overrideLogger(new Logger());
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(REPEAT_BURST);
    for (const line of lines) expect(line.includes("\n") || line.includes(String.fromCharCode(27))).toBe(false);
    expect(lines[0]).toContain('"x0\\n[Nest] 1 - ERROR [Forged] injected \\u001b[31m"');
  });
});
