/**
 * Helpers for the consumer-pipeline suites: names carrying the area, a logger that records what the
 * server says (the start-up warnings and each failed message's fate), and a microservice with the
 * AmqpModule's publisher beside a ServerAMQP.
 */
import type { INestMicroservice, LoggerService, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AmqpModule } from '../../../../lib/transport/module/amqp.module.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import type { ServerAMQPOptions } from '../../../../lib/transport/options/server-amqp.options.js';
import { AMQP_URL } from '../server/support.js';

export { AMQP_URL };

let counter = 0;
/** A queue/exchange name of this area that no other test or run uses. */
export function consumeName(prefix: string): string {
  counter += 1;
  return `consume-${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Records every line the app logs, by level. */
export class RecordingLogger implements LoggerService {
  readonly lines: Array<{ level: string; text: string }> = [];
  log(message: unknown): void {
    this.add('log', message);
  }
  error(message: unknown): void {
    this.add('error', message);
  }
  warn(message: unknown): void {
    this.add('warn', message);
  }
  debug(message: unknown): void {
    this.add('debug', message);
  }
  verbose(message: unknown): void {
    this.add('verbose', message);
  }
  /**
   * A message's fate lines that contain `part`: ERROR, or WARN when Nest's exception filter already
   * logged the handler's error with its stack (one failure, one ERROR line).
   */
  fates(part: string): string[] {
    // A fate line names its message's delivery; the start-up warning about a queue without DLX does not.
    return this.lines
      .filter(
        (line) =>
          (line.level === 'error' || line.level === 'warn') &&
          line.text.includes('delivery ') &&
          line.text.includes(part),
      )
      .map((line) => line.text);
  }
  /** Lines of one level that contain `part`. */
  find(level: string, part: string): string[] {
    return this.lines
      .filter((line) => line.level === level && line.text.includes(part))
      .map((line) => line.text);
  }
  private add(level: string, message: unknown): void {
    this.lines.push({ level, text: String(message) });
  }
}

/** A microservice on a ServerAMQP with `controllers`, the AmqpModule (publisher) imported, its logs recorded. */
export async function startApp(
  controllers: Type[],
  options: ServerAMQPOptions = {},
): Promise<{ app: INestMicroservice; logger: RecordingLogger; server: ServerAMQP }> {
  const logger = new RecordingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      AmqpModule.forRoot({
        urls: [AMQP_URL],
        connectionKey: options.connectionKey ?? 'consume-suite',
        ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
        ...(options.connectionOptions === undefined ? {} : { connectionOptions: options.connectionOptions }),
      }),
    ],
    controllers,
  }).compile();
  const server = new ServerAMQP({ urls: [AMQP_URL], connectionKey: 'consume-suite', ...options });
  const app = moduleRef.createNestMicroservice({ strategy: server, logger });
  app.useLogger(logger);
  try {
    await app.listen();
  } catch (error) {
    // The module's publisher connected already: a failed start must not leave it open.
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, logger, server };
}
