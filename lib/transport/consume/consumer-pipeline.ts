import type { LoggerService } from '@nestjs/common';
import { InvalidStateError } from '../../protocol/errors.js';
import { isStreamConsumer } from '../options/consumer-pipeline.validate.js';
import type { QueueConsumerMetadata } from '../decorators/queue-consumer.metadata.js';
import type { ConfirmPublisher } from '../publish/confirm-publisher.js';
import type { ConsumerSpec } from './consumer-specs.js';
import { describePolicy } from './failure/error-policy.js';
import { FailureRouter } from './failure/failure-router.js';
import { consumerFailureTarget, defaultQueueFailureTarget, noDeadLetterWarning, type FailureTarget } from './failure/failure-target.js';
import type { ServerAMQPOptions } from '../options/server-amqp.options.js';
import { retryDelays, retryQueueName } from '../options/retry-options.js';
import { StreamOffsetTracker } from './stream/stream-offset-tracker.js';

/** What a consumer's dispatcher needs beyond its handler: where failures go, and a stream's offset tracker. */
export interface ConsumerPipeline {
  readonly failures: FailureRouter;
  readonly target: FailureTarget;
  /** The consumer's label, named in its dead letters' headers. */
  readonly consumer?: string | undefined;
  readonly streamTracker?: StreamOffsetTracker | undefined;
}

/** Without a server's confirm channel (unit tests): a dead-letter is a plain nack, never a copy. */
export function bareConsumerPipeline(logger: LoggerService): ConsumerPipeline {
  const noPublisher = (): ConfirmPublisher => {
    throw new InvalidStateError('no confirm channel for failed messages', 'CLOSED');
  };
  return {
    failures: new FailureRouter(noPublisher, logger),
    target: { deadLetterExchange: undefined, deadLetterQueue: undefined, durable: true, quorum: false, maxRedeliveries: 5 },
  };
}

/**
 * Wires a `@QueueConsumer`'s pipeline into its spec: its dead-letter queue (when it has no DLX) is
 * declared with its topology and announced by one start-up warning; a stream consumer with automatic
 * tracking gets a tracker over its consume arguments.
 */
export function queueConsumerPipeline(metadata: QueueConsumerMetadata, spec: ConsumerSpec, failures: FailureRouter): ConsumerPipeline {
  const options = metadata.options;
  if (isStreamConsumer(options)) {
    const tracking = options.stream?.tracking ?? 'auto';
    const args = spec.arguments;
    return {
      failures,
      target: { deadLetterExchange: undefined, deadLetterQueue: undefined, durable: true, quorum: false, maxRedeliveries: 0 },
      streamTracker: tracking === 'auto' && args !== undefined ? new StreamOffsetTracker(args) : undefined,
    };
  }
  const target = consumerFailureTarget(metadata);
  announce(spec, metadata.queue, target, describePolicy(options.onError));
  const retry = options.retry;
  if (retry?.via === 'broker' && retry.attempts > 0) {
    const ladder = [...new Set(retryDelays(retry))];
    spec.topology.retryQueues = ladder.map((ttl) => ({ name: retryQueueName(metadata.queue, ttl), ttl, durable: target.durable }));
  }
  return { failures, target, consumer: spec.label };
}

/** The same for the server's default queue: failed and unroutable messages are dead-lettered, never dropped quietly. */
export function defaultQueuePipeline(options: ServerAMQPOptions, spec: ConsumerSpec, failures: FailureRouter): ConsumerPipeline {
  const target = defaultQueueFailureTarget(options);
  if (!spec.autoAck) announce(spec, options.queue ?? '', target, "'dead-letter'");
  return { failures, target, consumer: spec.label };
}

function announce(spec: ConsumerSpec, queue: string, target: FailureTarget, policy: string): void {
  if (target.deadLetterQueue !== undefined) spec.topology.deadLetterQueue = { name: target.deadLetterQueue, durable: target.durable };
  const warning = noDeadLetterWarning(spec.label, queue, target, policy);
  if (warning !== undefined) (spec.notices ??= []).push(warning);
}
