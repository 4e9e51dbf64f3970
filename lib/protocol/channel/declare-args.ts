/**
 * The arguments of the exchange and queue methods and of basic.qos, built from the option objects:
 * each name checked (a typed error naming the option, before any byte is written) and each flag
 * filled with its default. Cold code, apart from channel.ts so that the public methods read as calls.
 */
import type { MethodArgs } from '../codec/index.js';
import type {
  BasicQosOptions,
  ExchangeBindOptions,
  ExchangeDeclareOptions,
  ExchangeDeleteOptions,
  QueueBindOptions,
  QueueDeclareOptions,
  QueueDeleteOptions,
} from './channel-options.js';
import { checkName, checkNonEmptyName, checkQos } from './validate.js';

export function exchangeDeclareArgs(o: ExchangeDeclareOptions): Partial<MethodArgs['exchange.declare']> {
  return {
    exchange: checkNonEmptyName('exchange', o.exchange),
    type: checkNonEmptyName('exchangeType', o.exchangeType ?? 'direct'),
    passive: o.passive === true,
    durable: o.durable === true,
    autoDelete: o.autoDelete === true,
    internal: o.internal === true,
    arguments: o.arguments ?? {},
  };
}

export function exchangeDeleteArgs(o: ExchangeDeleteOptions): Partial<MethodArgs['exchange.delete']> {
  return { exchange: checkNonEmptyName('exchange', o.exchange), ifUnused: o.ifUnused === true };
}

/** exchange.bind and exchange.unbind take the same arguments. */
export function exchangeBindArgs(o: ExchangeBindOptions): Partial<MethodArgs['exchange.bind']> {
  return {
    destination: checkNonEmptyName('destination', o.destination),
    source: checkNonEmptyName('source', o.source),
    routingKey: checkName('routingKey', o.routingKey ?? ''),
    arguments: o.arguments ?? {},
  };
}

export function queueDeclareArgs(o: QueueDeclareOptions): Partial<MethodArgs['queue.declare']> {
  return {
    queue: checkName('queue', o.queue ?? ''),
    passive: o.passive === true,
    durable: o.durable === true,
    exclusive: o.exclusive === true,
    autoDelete: o.autoDelete === true,
    arguments: o.arguments ?? {},
  };
}

/** queue.bind and queue.unbind take the same arguments. */
export function queueBindArgs(o: QueueBindOptions): Partial<MethodArgs['queue.bind']> {
  return {
    queue: checkName('queue', o.queue),
    exchange: checkName('exchange', o.exchange),
    routingKey: checkName('routingKey', o.routingKey ?? ''),
    arguments: o.arguments ?? {},
  };
}

export function queueDeleteArgs(o: QueueDeleteOptions): Partial<MethodArgs['queue.delete']> {
  return { queue: checkName('queue', o.queue), ifUnused: o.ifUnused === true, ifEmpty: o.ifEmpty === true };
}

export function basicQosArgs(o: BasicQosOptions): Partial<MethodArgs['basic.qos']> {
  const prefetchSize = o.prefetchSize ?? 0;
  const prefetchCount = o.prefetchCount ?? 0;
  checkQos(prefetchSize, prefetchCount);
  return { prefetchSize, prefetchCount, global: o.global === true };
}
