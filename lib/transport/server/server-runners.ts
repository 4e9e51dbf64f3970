/**
 * The consumers a ServerAMQP runs, built at listen() and stopped at close(): one runner per
 * `@QueueConsumer` method, plus the default queue's when the app has @MessagePattern/@EventPattern
 * handlers (or names a queue). Start-up and shutdown only: nothing here is on a message's path.
 */
import type { MessageHandler } from '@nestjs/microservices';
import type { AmqpConnectionHost } from '../connection/connection-host.js';
import { assertNoConnection, resolveConsumerConfig } from '../consume/consumer-config.resolver.js';
import { defaultQueuePipeline } from '../consume/consumer-pipeline.js';
import { ConsumerRunner } from '../consume/consumer-runner.js';
import { defaultQueueSpec } from '../consume/consumer-specs.js';
import { FailureRouter } from '../consume/failure/failure-router.js';
import { oversizeFate } from '../consume/failure/oversize-fate.js';
import type { HandlerRunner } from '../consume/handler-invoker.js';
import { createQueueConsumerRunner } from '../consume/queue-consumer-factory.js';
import { QueueConsumerMetadataAccessor } from '../decorators/queue-consumer-metadata.accessor.js';
import type { ScopedLogger } from '../logging/scoped-logger.js';
import type { ServerAMQPOptions } from '../options/server-amqp.options.js';
import type { ConfirmPublisher } from '../publish/confirm-publisher.js';
import { PatternDispatcher, type PatternDispatcherHost } from './pattern-dispatcher.js';
import { TopicHandlers } from './topic-handlers.js';

/** What the server lends to the runners it builds. */
export interface ServerRunnerParts {
  readonly handlers: ReadonlyMap<string, MessageHandler>;
  readonly options: ServerAMQPOptions;
  readonly host: AmqpConnectionHost;
  readonly run: HandlerRunner;
  readonly logger: ScopedLogger;
  /** Aborted at shutdown: pending retry delays end early. */
  readonly shutdown: AbortSignal;
  readonly onLost: (runner: ConsumerRunner, error: Error) => void;
  /** The server's one confirm channel for failed messages, opened on first use. */
  readonly failurePublisher: () => ConfirmPublisher;
  /** The default queue's view of the server, for its pattern dispatcher. */
  readonly dispatcherHost: (logger: ScopedLogger) => PatternDispatcherHost;
}

/** The server's runners and, with `wildcards`, the handlers whose pattern is a topic pattern. */
export function createServerRunners(parts: ServerRunnerParts): {
  runners: ConsumerRunner[];
  topicHandlers: TopicHandlers | undefined;
} {
  const { handlers, options, host, logger, onLost, failurePublisher } = parts;
  const runners: ConsumerRunner[] = [];
  let topicHandlers: TopicHandlers | undefined;
  let servesPatterns = false;
  for (const handler of handlers.values()) {
    const metadata = QueueConsumerMetadataAccessor.fromHandler(handler);
    if (metadata === undefined) {
      servesPatterns = true;
      continue;
    }
    const resolved = resolveConsumerConfig(metadata, options.consumers, 'ServerAMQP `consumers`');
    assertNoConnection(resolved);
    runners.push(
      createQueueConsumerRunner({
        handler,
        metadata: resolved,
        host,
        run: parts.run,
        logger,
        shutdown: parts.shutdown,
        onLost,
        failurePublisher,
      }),
    );
  }
  if (servesPatterns || options.queue !== undefined) {
    const patterns = patternRoutes(handlers);
    if (options.wildcards === true) topicHandlers = new TopicHandlers(patterns.map((route) => [route, handlers.get(route)]));
    const spec = defaultQueueSpec(options, patterns);
    const queueLogger = logger.child(spec.label);
    const pipeline = defaultQueuePipeline(options, spec, new FailureRouter(failurePublisher, queueLogger));
    const dispatcher = new PatternDispatcher(parts.dispatcherHost(queueLogger), {
      patternHeader: options.patternHeader,
      failures: pipeline,
    });
    runners.push(
      new ConsumerRunner(spec, host, dispatcher.dispatch, queueLogger, onLost, oversizeFate(pipeline, queueLogger, false)),
    );
  }
  return { runners, topicHandlers };
}

/** The patterns of the `@QueueConsumer` methods among `handlers`. */
export function servedConsumerPatterns(handlers: ReadonlyMap<string, MessageHandler>): Set<string> {
  const served = new Set<string>();
  for (const handler of handlers.values()) {
    const metadata = QueueConsumerMetadataAccessor.fromHandler(handler);
    if (metadata !== undefined) served.add(metadata.pattern);
  }
  return served;
}

/**
 * Cancels every consumer, waits up to `timeout` ms for in-flight handlers and pending retries, then
 * closes the channels: a handler still running then has its message returned to the queue.
 */
export async function stopRunners(runners: readonly ConsumerRunner[], timeout: number, logger: ScopedLogger): Promise<void> {
  await Promise.all(runners.map((runner) => runner.cancel()));
  const drained = await Promise.all(runners.map((runner) => runner.drain(timeout)));
  runners.forEach((runner, index) => {
    if (drained[index] === false) {
      logger.warn?.(
        `${runner.spec.label}: ${runner.inFlightCount} handler(s) still running after ${timeout} ms; ` +
          'closing the channel returns their messages to the queue',
      );
    }
  });
  await Promise.all(runners.map((runner) => runner.close()));
}

/** The routes of @MessagePattern/@EventPattern handlers (not @QueueConsumer methods). */
function patternRoutes(handlers: ReadonlyMap<string, MessageHandler>): string[] {
  const routes: string[] = [];
  for (const [route, handler] of handlers) {
    if (QueueConsumerMetadataAccessor.fromHandler(handler) === undefined) routes.push(route);
  }
  return routes;
}
