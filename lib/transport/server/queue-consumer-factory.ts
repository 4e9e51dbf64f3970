import type { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { AmqpConnectionHost } from '../shared/connection-host.js';
import { ConsumerRunner } from './consumer-runner.js';
import { queueConsumerSpec } from './consumer-specs.js';
import type { HandlerRunner } from './handler-invoker.js';
import { QueueConsumerDispatcher } from './queue-consumer-dispatcher.js';

/** What a `@QueueConsumer` runner is built from, whoever runs it (ServerAMQP, or AmqpModule for providers). */
export interface QueueConsumerParts {
  readonly handler: MessageHandler;
  /** Resolved metadata (a `{ config }` entry already laid in). */
  readonly metadata: QueueConsumerMetadata;
  readonly host: AmqpConnectionHost;
  readonly run: HandlerRunner;
  readonly logger: LoggerService;
  /** Aborted at shutdown: pending retry delays end early. */
  readonly shutdown: AbortSignal;
  readonly onLost: (runner: ConsumerRunner, error: Error) => void;
  /** Overrides the registry name (`Class.method` otherwise). */
  readonly name?: string;
}

/**
 * One `@QueueConsumer`'s runner: its spec, its dispatcher and the runner that starts it. ServerAMQP
 * (controllers) and AmqpModule (providers, run-time consumers) both build theirs here, so a consumer
 * behaves the same whoever runs it.
 */
export function createQueueConsumerRunner(parts: QueueConsumerParts): ConsumerRunner {
  const spec = queueConsumerSpec(parts.metadata);
  if (parts.name !== undefined) spec.name = parts.name;
  const dispatcher = new QueueConsumerDispatcher(parts.handler, parts.metadata, parts.run, parts.logger, parts.shutdown);
  return new ConsumerRunner(spec, parts.host, dispatcher.dispatch, parts.logger, parts.onLost);
}
