/**
 * A producer floods the server with messages it cannot handle (each with its own unknown pattern,
 * some shaped to forge log lines): the log gets the first few lines of that kind and then one
 * summary per interval with the count (noAck here, so the run is quick: the dead-letter path logs the same way), not one ERROR line per message. The counts add up to every
 * message sent, so nothing is hidden, only summed.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { Controller, type LoggerService } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { INestMicroservice } from '@nestjs/common';
import { Connection } from '../../lib/protocol/connection/connection.js';
import { ServerAMQP } from '../../lib/index.js';
import { deleteQueue } from '../support/broker.js';
import { waitFor } from '../support/wait-for.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const QUEUE = `hostile.log-flood.${process.pid}`;
const MESSAGES = 50_000;

@Controller()
class Known {
  @EventPattern('known')
  known(_data: unknown): void {}
}

class CountingLogger implements LoggerService {
  readonly lines: string[] = [];
  bytes = 0;
  log(message: unknown): void {
    this.keep(message);
  }
  error(message: unknown): void {
    this.keep(message);
  }
  warn(message: unknown): void {
    this.keep(message);
  }
  debug(message: unknown): void {
    this.keep(message);
  }
  verbose(message: unknown): void {
    this.keep(message);
  }
  private keep(message: unknown): void {
    const text = String(message);
    this.lines.push(text);
    this.bytes += text.length;
  }
}

/** Messages the log accounts for: lines written in full plus the counts of the summaries. */
function accounted(lines: readonly string[]): number {
  let total = 0;
  for (const line of lines) {
    const summary = /^(\d+) more like this in the last/.exec(line);
    if (summary !== null) total += Number(summary[1]);
    else if (line.includes('no event handler for pattern')) total += 1;
  }
  return total;
}

describe('hostile producer: a flood of unknown patterns', () => {
  let app: INestMicroservice | undefined;
  afterAll(async () => {
    await app?.close();
    await deleteQueue(QUEUE).catch(() => undefined);
    await deleteQueue(`${QUEUE}.dlq`).catch(() => undefined);
  });

  it(`${MESSAGES.toLocaleString('en')} unknown-pattern messages write at most a few hundred log lines`, async () => {
    const logger = new CountingLogger();
    const moduleRef = await Test.createTestingModule({ controllers: [Known] }).compile();
    app = moduleRef.createNestMicroservice({
      strategy: new ServerAMQP({ urls: [AMQP_URL], queue: QUEUE, queueOptions: { durable: false }, noAck: true, logger }),
      logger,
    });
    await app.listen();
    const connection = await Connection.connect(AMQP_URL);
    try {
      const channel = await connection.channel();
      for (let i = 0; i < MESSAGES; i++) {
        const pattern = i % 7 === 0 ? `p${i}\n[Nest] 1 - ERROR [Forged] injected line` : `unknown.${i}`;
        const sent = channel.basicPublish('', QUEUE, JSON.stringify({ pattern, data: i }));
        if (i % 1_000 === 999) await sent;
      }
      await waitFor(() => accounted(logger.lines) >= MESSAGES, 'every message accounted for in the log', 120_000);
    } finally {
      await connection.close();
    }
    const flood = logger.lines.filter((line) => line.includes('no event handler for pattern') || /^\d+ more like this/.test(line));
    expect(accounted(logger.lines)).toBe(MESSAGES);
    expect(logger.lines.length).toBeLessThanOrEqual(300);
    expect(logger.lines.some((line) => /[\n\r]/.test(line))).toBe(false);
    console.log(
      `${MESSAGES} unknown-pattern messages: ${logger.lines.length} log lines (${flood.length} about them), ${logger.bytes} bytes of log`,
    );
  }, 180_000);
});
