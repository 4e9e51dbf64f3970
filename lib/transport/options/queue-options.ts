/**
 * Nest RMQ's `queueOptions` (amqplib's assertQueue options): the shortcuts become x-arguments exactly
 * as amqplib sets them (a shortcut wins over the same key in `arguments`), so a queue declared by
 * either transport is equivalent for the broker.
 */
import type { FieldTable } from '../../protocol/index.js';
import { checkOpenObject, type OptionKind } from './option-check.js';
import type { OptionWarnings } from './option-warnings.js';

/** amqplib's queue shortcuts, each an x-argument. */
export interface AmqpQueueShortcuts {
  /** `x-message-ttl`: milliseconds a message may stay in the queue. */
  messageTtl?: number;
  /** `x-expires`: milliseconds an unused queue lives. */
  expires?: number;
  /** `x-dead-letter-exchange`: where rejected and expired messages go. */
  deadLetterExchange?: string;
  /** `x-dead-letter-routing-key`: their routing key there. */
  deadLetterRoutingKey?: string;
  /** `x-max-length`: most messages held. */
  maxLength?: number;
  /** `x-max-priority`: highest message priority honoured. */
  maxPriority?: number;
  /** `x-overflow`: 'drop-head', 'reject-publish' or 'reject-publish-dlx'. */
  overflow?: string;
  /** `x-queue-mode`: 'default' or 'lazy'. */
  queueMode?: string;
}

const SHORTCUT_ARGUMENTS: ReadonlyArray<readonly [keyof AmqpQueueShortcuts, string]> = [
  ['expires', 'x-expires'],
  ['messageTtl', 'x-message-ttl'],
  ['deadLetterExchange', 'x-dead-letter-exchange'],
  ['deadLetterRoutingKey', 'x-dead-letter-routing-key'],
  ['maxLength', 'x-max-length'],
  ['maxPriority', 'x-max-priority'],
  ['overflow', 'x-overflow'],
  ['queueMode', 'x-queue-mode'],
];

/** Every key `queueOptions` may hold, with its kind. */
export const QUEUE_OPTIONS_SCHEMA: Readonly<Record<string, OptionKind>> = {
  durable: 'boolean',
  exclusive: 'boolean',
  autoDelete: 'boolean',
  arguments: 'object',
  noAssert: 'boolean',
  messageTtl: 'integer',
  expires: 'integer',
  deadLetterExchange: 'string',
  deadLetterRoutingKey: 'string',
  maxLength: 'integer',
  maxPriority: 'integer',
  overflow: 'string',
  queueMode: 'string',
};

/** The declaration flags and the x-arguments a `queueOptions` object stands for. */
export interface QueueDeclaration {
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  noAssert?: boolean;
  arguments?: FieldTable;
}

/**
 * Checks `queueOptions` and folds its shortcuts into `arguments`, as amqplib does. Nest's type takes
 * any key and amqplib ignores the ones it does not know: such a key is warned (a near miss of a known
 * one is refused as a typo).
 */
export function readQueueOptions(path: string, value: unknown, warnings: OptionWarnings = []): QueueDeclaration | undefined {
  if (value === undefined) return undefined;
  const given = checkOpenObject(path, value, QUEUE_OPTIONS_SCHEMA, warnings, "amqplib's assertQueue does not read it (put a queue argument in `arguments`)") as QueueDeclaration &
    AmqpQueueShortcuts;
  const out: QueueDeclaration = {};
  if (given.durable !== undefined) out.durable = given.durable;
  if (given.exclusive !== undefined) out.exclusive = given.exclusive;
  if (given.autoDelete !== undefined) out.autoDelete = given.autoDelete;
  if (given.noAssert !== undefined) out.noAssert = given.noAssert;
  let args: FieldTable | undefined = given.arguments === undefined ? undefined : { ...given.arguments };
  for (const [shortcut, argument] of SHORTCUT_ARGUMENTS) {
    const shortcutValue = given[shortcut];
    if (shortcutValue === undefined) continue;
    args ??= {};
    args[argument] = shortcutValue;
  }
  if (args !== undefined) out.arguments = args;
  return out;
}
