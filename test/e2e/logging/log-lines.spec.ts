/**
 * What a message can do to the logs: a pattern with a newline and an 8 MB routing key each give one
 * escaped, bounded line, through the `logger` option under the part's own context; a handler's
 * error is logged at ERROR once (Nest's line with the stack), and a publish rejection the caller
 * handles is not an ERROR.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import { AmqpModule, AmqpPublisher, ClientAMQP, EncodeError, QueueConsumer, ServerAMQP } from '../../../lib/index.js';
import { deleteQueue } from '../../support/broker.js';
import { waitFor } from '../../support/wait-for.js';

const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const RPC = `logging.rpc.${process.pid}`;
const FAILING = `logging.failing.${process.pid}`;

interface Line {
  level: string;
  message: string;
  context: unknown;
}

class CapturingLogger implements LoggerService {
  readonly lines: Line[] = [];
  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  private push(level: string, message: unknown, rest: unknown[]): void {
    const text = message instanceof Error ? `${message.message}\n${message.stack ?? ''}` : String(message);
    this.lines.push({ level, message: text, context: rest[rest.length - 1] });
  }
}

let failures = 0;

@Controller()
class Handlers {
  @EventPattern('known')
  known(@Payload() _data: unknown): void {}

  @QueueConsumer(FAILING, { durable: false, autoDelete: true })
  fail(@Payload() _data: unknown): void {
    failures += 1;
    throw new Error('the handler broke');
  }
}

@Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL] })], controllers: [Handlers] })
class ServerModule {}

describe('log lines', () => {
  const logger = new CapturingLogger();
  let server: INestMicroservice;
  let publisherApp: INestApplicationContext;
  let client: ClientAMQP;

  beforeAll(async () => {
    server = await NestFactory.createMicroservice<MicroserviceOptions>(ServerModule, {
      strategy: new ServerAMQP({ urls: [AMQP_URL], queue: RPC, queueOptions: { durable: false, autoDelete: true }, logger }),
      logger,
    });
    await server.listen();
    @Module({ imports: [AmqpModule.forRoot({ urls: [AMQP_URL], connectionKey: 'logging-publisher', logger })] })
    class PublisherModule {}
    // Nest's static Logger follows the last app created: this one logs to the same capture.
    publisherApp = await NestFactory.createApplicationContext(PublisherModule, { logger });
    client = new ClientAMQP({ urls: [AMQP_URL], queue: RPC, queueOptions: { durable: false, autoDelete: true }, logger });
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await publisherApp?.close();
    await server?.close();
    await deleteQueue(FAILING).catch(() => undefined);
    await deleteQueue(`${FAILING}.dlq`).catch(() => undefined);
  });

  it('a pattern with a newline logs one escaped line, under the queue consumer context', async () => {
    const forged = 'order.created\n[Nest] 1  - 01/01/2026, 0:00:00 AM   ERROR [Forged] fake line \u001b[31m';
    await lastValueFrom(client.emit(forged, { x: 1 }), { defaultValue: undefined });
    const find = (): Line | undefined => logger.lines.find((l) => l.message.includes('no event handler for pattern'));
    await waitFor(() => find() !== undefined, 'the no-handler line');
    const line = find() as Line;
    expect(logger.lines.filter((l) => l.message.includes('no event handler for pattern'))).toHaveLength(1);
    expect(/[\n\r]/.test(line.message) || line.message.includes(String.fromCharCode(27))).toBe(false);
    expect(line.message).toContain('"order.created\\n[Nest] 1');
    expect(line.message).toContain('\\u001b[31m"');
    expect(line.level).toBe('error');
    expect(line.context).toBe(`default queue "${RPC}"`);
  });

  it('an 8 MB routing key gives one bounded line, at debug level: the caller gets the rejection', async () => {
    const publisher = publisherApp.get(AmqpPublisher);
    const routingKey = `key\n${'k'.repeat(8 * 1024 * 1024)}`;
    const before = logger.lines.length;
    await expect(publisher.publish('amq.topic', routingKey, { x: 1 })).rejects.toBeInstanceOf(EncodeError);
    const lines = logger.lines.slice(before).filter((l) => l.context === 'AmqpPublisher');
    expect(lines).toHaveLength(1);
    const [line] = lines as [Line];
    expect(line.level).toBe('debug');
    expect(line.message.length).toBeLessThan(2_100);
    expect(line.message).not.toMatch(/\n/);
    expect(line.message).toContain('"key\\nkkk');
    expect(line.message).toMatch(/\.\.\.\(\+\d+ chars\)"/);
    expect(logger.lines.slice(before).filter((l) => l.level === 'error')).toEqual([]);
  });

  it("a handler's error is one ERROR line (Nest's, with the stack); the message's fate is a warning", async () => {
    const publisher = publisherApp.get(AmqpPublisher);
    const before = logger.lines.length;
    await publisher.sendToQueue(FAILING, { boom: true });
    await waitFor(() => logger.lines.slice(before).some((l) => l.message.includes('moved to dead-letter queue')), 'the fate line');
    const lines = logger.lines.slice(before);
    expect(failures).toBe(1);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('the handler broke');
    const fate = lines.find((l) => l.message.includes('moved to dead-letter queue'));
    expect(fate?.level).toBe('warn');
    expect(fate?.context).toBe(`@QueueConsumer("${FAILING}") Handlers.fail`);
  });
});
