/**
 * Argument checks done at the call, before any byte is written: a bad name or number here would
 * otherwise come back as a channel (or, for prefetchSize, a connection) close from the broker.
 */
import { InvalidArgumentError } from '../errors.js';

const MAX_SHORTSTR = 255;
/** A lone UTF-16 surrogate cannot be written as UTF-8: the broker would see U+FFFD, a different name. */
const LONE_SURROGATE = /\p{Cs}/u;

/** A queue, exchange or consumer-tag name: a short string (<= 255 UTF-8 bytes) of well-formed text. */
export function checkName(argument: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new InvalidArgumentError(argument, `expected a string, got ${typeof value}`);
  // 85 UTF-16 units are at most 255 UTF-8 bytes: skip the byte count for the usual short names.
  if (value.length > 85) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_SHORTSTR) {
      throw new InvalidArgumentError(
        argument,
        `"${value.slice(0, 32)}..." is ${bytes} bytes; the limit is 255`,
      );
    }
  }
  if (LONE_SURROGATE.test(value))
    throw new InvalidArgumentError(argument, 'contains a lone UTF-16 surrogate');
  return value;
}

/** A name that must not be empty (exchange.declare, exchange.bind ...). */
export function checkNonEmptyName(argument: string, value: unknown): string {
  const name = checkName(argument, value);
  if (name.length === 0) throw new InvalidArgumentError(argument, 'must not be empty');
  return name;
}

function checkInteger(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** basic.qos: prefetchCount is a short; RabbitMQ answers a non-zero prefetchSize with 540 on the whole connection. */
export function checkQos(prefetchSize: unknown, prefetchCount: unknown): void {
  checkInteger('prefetchCount', prefetchCount, 0, 0xffff);
  checkInteger('prefetchSize', prefetchSize, 0, 0xffffffff);
  if (prefetchSize !== 0) {
    throw new InvalidArgumentError(
      'prefetchSize',
      'must be 0: RabbitMQ does not implement it (540 NOT_IMPLEMENTED)',
    );
  }
}

/**
 * A delivery tag for ack / nack / reject: a positive safe integer no higher than the highest tag this
 * channel has received (the broker closes the channel with 406 on an unknown tag). 0 is accepted with
 * `multiple` (the spec's "everything outstanding").
 */
export function checkDeliveryTag(tag: unknown, multiple: boolean, highest: number): number {
  if (typeof tag !== 'number' || !Number.isSafeInteger(tag) || tag < 0 || (tag === 0 && !multiple)) {
    throw new InvalidArgumentError(
      'deliveryTag',
      `expected a positive integer${multiple ? ' (or 0 with multiple)' : ''}, got ${String(tag)}`,
    );
  }
  if (tag > highest) {
    throw new InvalidArgumentError(
      'deliveryTag',
      `unknown delivery tag ${tag}: the highest received is ${highest}`,
    );
  }
  return tag;
}

/** A reply code a client may close a channel with. */
export function checkReplyCode(code: unknown): number {
  return checkInteger('replyCode', code, 0, 0xffff);
}
