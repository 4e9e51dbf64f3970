import type { LoggerService } from '@nestjs/common';
import type { AmqpContext } from '../../core/amqp.context.js';
import type { ConsumerErrorAction, ConsumerErrorPolicy } from '../../options/consumer-pipeline.options.js';
import { describeError } from '../message-identity.js';

const ACTIONS: ReadonlySet<unknown> = new Set<ConsumerErrorAction>(['dead-letter', 'requeue', 'ack']);

/** The action for one failure: the fixed one, or what the consumer's function returns (dead-letter when it throws or returns nonsense). */
export async function resolveErrorAction(
  policy: ConsumerErrorPolicy | undefined,
  error: unknown,
  context: AmqpContext,
  logger: LoggerService,
): Promise<ConsumerErrorAction> {
  if (policy === undefined) return 'dead-letter';
  if (typeof policy !== 'function') return policy;
  try {
    const action: unknown = await policy(error, context);
    if (ACTIONS.has(action)) return action as ConsumerErrorAction;
    logger.error(`onError returned ${String(action)} (not 'dead-letter', 'requeue' or 'ack'): dead-lettering`);
  } catch (thrown) {
    logger.error(`onError threw (${describeError(thrown)}): dead-lettering`);
  }
  return 'dead-letter';
}

/** How a policy is named in logs. */
export function describePolicy(policy: ConsumerErrorPolicy | undefined): string {
  if (policy === undefined) return "'dead-letter' (default)";
  return typeof policy === 'function' ? 'a function' : `'${policy}'`;
}
