import type { LoggerService } from '@nestjs/common';
import type { ScopedLogger } from '../logging/scoped-logger.js';
import type { MessageHandler } from '@nestjs/microservices';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { AmqpConnectionHost } from '../connection/connection-host.js';
import { ConfirmPublisher } from '../publish/confirm-publisher.js';
import { BatchDispatcher } from './batch/batch-dispatcher.js';
import { queueConsumerPipeline } from './consumer-pipeline.js';
import { ConsumerRunner } from './consumer-runner.js';
import { FailureRouter } from './failure/failure-router.js';
import { oversizeFate } from './failure/oversize-fate.js';
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
  readonly logger: LoggerService | ScopedLogger;
  /** Aborted at shutdown: pending retry delays end early. */
  readonly shutdown: AbortSignal;
  readonly onLost: (runner: ConsumerRunner, error: Error) => void;
  /**
   * The confirm channel failed messages are copied through (a dead-letter or requeue copy): ServerAMQP
   * shares one across its consumers; without it the consumer opens its own on first use.
   */
  readonly failurePublisher?: () => ConfirmPublisher;
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
  const logger = 'child' in parts.logger ? parts.logger.child(spec.label) : parts.logger;
  let own: ConfirmPublisher | undefined;
  const failures = new FailureRouter(
    parts.failurePublisher ?? (() => (own ??= new ConfirmPublisher(parts.host))),
    logger,
  );
  const pipeline = queueConsumerPipeline(parts.metadata, spec, failures);
  const dispatcher = new QueueConsumerDispatcher(
    parts.handler,
    parts.metadata,
    parts.run,
    logger,
    parts.shutdown,
    pipeline,
  );
  const dispatch =
    parts.metadata.options.batch === undefined
      ? dispatcher.dispatch
      : new BatchDispatcher(parts.handler, parts.metadata, parts.run, logger, dispatcher).dispatch;
  const oversize = oversizeFate(pipeline, logger, spec.stream === true);
  return new ConsumerRunner(spec, parts.host, dispatch, logger, parts.onLost, oversize);
}
