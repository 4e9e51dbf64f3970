import { Logger, type LoggerService } from '@nestjs/common';
import { logText } from './log-text.js';

/**
 * The package's logger for one part (ServerAMQP, ClientAMQP, AmqpPublisher, a queue's consumer):
 * every line goes to the app's `logger` (or Nest's Logger) under that part's context, escaped and
 * bounded by {@link logText}. A LoggerService whose optional levels are missing just drops them.
 * @internal
 */
export class ScopedLogger implements LoggerService {
  private readonly target: LoggerService;

  constructor(
    target: LoggerService | undefined,
    readonly context: string,
  ) {
    this.target = target ?? new Logger();
    this.context = logText(context, 200);
  }

  /** The same target under another context (a consumer names its queue). */
  child(context: string): ScopedLogger {
    return new ScopedLogger(this.target, context);
  }

  log(message: unknown): void {
    this.target.log(text(message), this.context);
  }

  error(message: unknown): void {
    this.target.error(text(message), this.context);
  }

  warn(message: unknown): void {
    this.target.warn(text(message), this.context);
  }

  debug(message: unknown): void {
    this.target.debug?.(text(message), this.context);
  }

  verbose(message: unknown): void {
    this.target.verbose?.(text(message), this.context);
  }

  fatal(message: unknown): void {
    this.target.fatal?.(text(message), this.context);
  }
}

function text(message: unknown): string {
  if (typeof message === 'string') return logText(message);
  if (message instanceof Error) return logText(message.message);
  return logText(String(message));
}
