import type { LoggerService } from '@nestjs/common';
import { ChannelClosedError } from '../../protocol/errors.js';
import type { AmqpConnectionHost } from '../connection/connection-host.js';
import type { ConsumerSpec } from './consumer-specs.js';
import type { ConsumerTopology } from './consumer-topology.js';
import { describeError } from './message-identity.js';

/** PRECONDITION_FAILED: the queue exists with other arguments (or durability, exclusivity ...). */
const PRECONDITION_FAILED = 406;

/**
 * `onQueueMismatch: 'use-existing'`: declares the queue on a throwaway channel first (a refusal
 * closes the channel it happened on, which must not be the consumer's). When the broker answers 406
 * it warns with the broker's reason and returns the topology with the queue declared passively, so
 * the consumer uses the queue as it is; any other failure is left to the real declaration to report.
 */
export async function toleratingMismatch(host: AmqpConnectionHost, spec: ConsumerSpec, logger: LoggerService): Promise<ConsumerTopology> {
  const topology = spec.topology;
  const declaration = topology.declare;
  if (declaration === false || declaration.passive || topology.queue === '') return topology;
  const probe = await host.channel();
  try {
    await probe.queueDeclare({
      queue: topology.queue,
      passive: false,
      durable: declaration.durable,
      exclusive: declaration.exclusive,
      autoDelete: declaration.autoDelete,
      arguments: declaration.arguments,
    });
    return topology;
  } catch (error) {
    if (!(error instanceof ChannelClosedError) || error.replyCode !== PRECONDITION_FAILED) return topology;
    logger.warn?.(
      `${spec.label}: queue "${topology.queue}" exists with other arguments (${describeError(error)}); ` +
        "consuming it as it is (onQueueMismatch: 'use-existing'): its own arguments decide dead-lettering and limits",
    );
    return { ...topology, declare: { ...declaration, passive: true } };
  } finally {
    if (probe.isOpen) await probe.close().catch(() => undefined);
  }
}
