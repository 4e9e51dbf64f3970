/**
 * Queue arguments: the ones the in-memory broker models, the ones that only place or store data
 * (accepted, no behaviour to model), and the rest RabbitMQ acts on (refused with NotModelledError).
 * Also the equivalence check of a redeclare (406 inequivalent arg), on the arguments RabbitMQ
 * compares.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldTable, FieldValue } from '../../protocol/index.js';
import { Code, NotModelledError, refuse } from '../errors.js';

/** The queue arguments as the broker uses them. */
export interface QueueArgs {
  type: 'classic' | 'quorum';
  messageTtl: number | undefined;
  expires: number | undefined;
  maxLength: number | undefined;
  maxLengthBytes: number | undefined;
  overflow: 'drop-head' | 'reject-publish' | 'reject-publish-dlx';
  deadLetterExchange: string | undefined;
  deadLetterRoutingKey: string | undefined;
  deliveryLimit: number | undefined;
}

/*
 * Arguments with no behaviour to model here (placement, storage, memory: x-queue-mode,
 * x-queue-leader-locator, x-quorum-initial-group-size, x-max-in-memory-*, x-queue-version) are
 * accepted like any unknown one.
 */
/** Arguments RabbitMQ acts on that are not modelled. */
const NOT_MODELLED = new Set(['x-max-priority', 'x-single-active-consumer', 'x-max-age', 'x-stream-max-segment-size-bytes', 'x-initial-cluster-size']);

/** The arguments a redeclare must repeat unchanged (RabbitMQ's list). */
const EQUIVALENCE = [
  'x-expires',
  'x-message-ttl',
  'x-max-length',
  'x-max-length-bytes',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-queue-type',
  'x-delivery-limit',
  'x-single-active-consumer',
];

function integer(args: FieldTable, key: string, queue: string, min: number): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw refuse(Code.PRECONDITION_FAILED, `invalid arg '${key}' for queue '${queue}': {unacceptable_type,${typeof value}}`);
  }
  if (n < min) throw refuse(Code.PRECONDITION_FAILED, `invalid arg '${key}' for queue '${queue}': {value_negative,${n}}`);
  return n;
}

function text(args: FieldTable, key: string): string | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (Buffer.isBuffer(value)) return value.toString();
  return String(value);
}

/** Parses declared arguments; throws a 406 refusal for a bad value, NotModelledError for an unmodelled one. */
export function parseQueueArgs(queue: string, args: FieldTable): QueueArgs {
  // Unknown arguments are ignored, as RabbitMQ ignores them; ACCEPTED ones have no behaviour to model.
  for (const key of Object.keys(args)) if (NOT_MODELLED.has(key)) throw new NotModelledError(`queue argument ${key}`);
  const type = text(args, 'x-queue-type') ?? 'classic';
  if (type === 'stream') throw new NotModelledError('stream queues (x-queue-type stream)');
  if (type !== 'classic' && type !== 'quorum') {
    throw refuse(Code.PRECONDITION_FAILED, `invalid arg 'x-queue-type' for queue '${queue}': {unsupported_queue_type,${type}}`);
  }
  const overflow = text(args, 'x-overflow') ?? 'drop-head';
  if (overflow !== 'drop-head' && overflow !== 'reject-publish' && overflow !== 'reject-publish-dlx') {
    throw refuse(Code.PRECONDITION_FAILED, `invalid arg 'x-overflow' for queue '${queue}': ${overflow}`);
  }
  if (type === 'quorum' && overflow === 'reject-publish-dlx') throw new NotModelledError('x-overflow reject-publish-dlx on a quorum queue');
  return {
    type,
    messageTtl: integer(args, 'x-message-ttl', queue, 0),
    expires: integer(args, 'x-expires', queue, 1),
    maxLength: integer(args, 'x-max-length', queue, 0),
    maxLengthBytes: integer(args, 'x-max-length-bytes', queue, 0),
    overflow,
    deadLetterExchange: text(args, 'x-dead-letter-exchange'),
    deadLetterRoutingKey: text(args, 'x-dead-letter-routing-key'),
    deliveryLimit: type === 'quorum' ? integer(args, 'x-delivery-limit', queue, 0) : undefined,
  };
}

function shown(value: FieldValue): string {
  return value === undefined ? 'none' : `the value '${String(value)}'`;
}

/** Throws the 406 RabbitMQ gives when a redeclare differs in a compared argument. */
export function assertEquivalentArgs(kind: 'queue' | 'exchange', name: string, vhost: string, current: FieldTable, given: FieldTable, keys = EQUIVALENCE): void {
  for (const key of keys) {
    const a = normalise(current[key]);
    const b = normalise(given[key]);
    if (a === undefined && b === undefined) continue;
    if (!isDeepStrictEqual(a, b)) {
      throw refuse(
        Code.PRECONDITION_FAILED,
        `inequivalent arg '${key}' for ${kind} '${name}' in vhost '${vhost}': received ${shown(b)} but current is ${shown(a)}`,
      );
    }
  }
}

function normalise(value: FieldValue): FieldValue {
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString();
  return value;
}

/** Throws the 406 RabbitMQ gives when a redeclare differs in a flag. */
export function assertEquivalentFlag(kind: 'queue' | 'exchange', name: string, vhost: string, flag: string, current: boolean | string, given: boolean | string): void {
  if (current === given) return;
  throw refuse(
    Code.PRECONDITION_FAILED,
    `inequivalent arg '${flag}' for ${kind} '${name}' in vhost '${vhost}': received '${String(given)}' but current is '${String(current)}'`,
  );
}
