import 'reflect-metadata';
import { describe, it, expect } from '@jest/globals';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA, PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants.js';
import { PatternHandler } from '@nestjs/microservices/enums/pattern-handler.enum.js';
import type { MessageHandler } from '@nestjs/microservices';
import { InvalidArgumentError } from '../../../../lib/protocol/errors.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { QueueConsumerMetadataAccessor } from '../../../../lib/transport/decorators/queue-consumer-metadata.accessor.js';
import { queueArguments, routingKeysOf } from '../../../../lib/transport/decorators/queue-consumer.metadata.js';
import { AMQP_TRANSPORT } from '../../../../lib/transport/core/amqp-transport.js';
import { queueConsumerSpec } from '../../../../lib/transport/consume/consumer-specs.js';

class OrdersController {
  @QueueConsumer('orders', { durable: false, prefetch: 5, ack: 'manual' })
  onOrder(): void {}

  @QueueConsumer('orders')
  onOrderAgain(): void {}

  @QueueConsumer('audit', {
    queueType: 'quorum',
    deadLetterExchange: 'audit.dlx',
    messageTtl: 60_000,
    exchange: { name: 'events', type: 'topic' },
    routingKeys: ['order.*', 'invoice.*'],
    bindings: [{ exchange: 'headers-ex', arguments: { 'x-match': 'all', kind: 'audit' } }],
    retry: { attempts: 2, delay: 10 },
  })
  onAudit(): void {}
}

const proto = OrdersController.prototype;

describe('@QueueConsumer metadata', () => {
  it('registers a Nest event pattern bound to the AMQP transport, one unique pattern per method', () => {
    const first = Reflect.getMetadata(PATTERN_METADATA, proto.onOrder) as string[];
    const second = Reflect.getMetadata(PATTERN_METADATA, proto.onOrderAgain) as string[];
    expect(first).toEqual(['amqp-queue-consumer:orders:OrdersController.onOrder']);
    expect(second).toEqual(['amqp-queue-consumer:orders:OrdersController.onOrderAgain']);
    expect(Reflect.getMetadata(PATTERN_HANDLER_METADATA, proto.onOrder)).toBe(PatternHandler.EVENT);
    expect(Reflect.getMetadata(TRANSPORT_METADATA, proto.onOrder)).toBe(AMQP_TRANSPORT);
  });

  it('is readable from the method and from the handler extras Nest hands the server', () => {
    const fromMethod = QueueConsumerMetadataAccessor.fromMethod(proto.onOrder);
    expect(fromMethod).toEqual({
      queue: 'orders',
      options: { durable: false, prefetch: 5, ack: 'manual' },
      pattern: 'amqp-queue-consumer:orders:OrdersController.onOrder',
    });
    const extras = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, proto.onOrder) as Record<string, unknown>;
    const handler = Object.assign(async () => undefined, { extras }) as MessageHandler;
    expect(QueueConsumerMetadataAccessor.fromHandler(handler)).toEqual(fromMethod);
  });

  it('returns undefined for plain handlers and undecorated methods', () => {
    const plain = Object.assign(async () => undefined, { extras: { other: 1 } }) as MessageHandler;
    expect(QueueConsumerMetadataAccessor.fromHandler(plain)).toBeUndefined();
    expect(QueueConsumerMetadataAccessor.fromMethod(() => undefined)).toBeUndefined();
    expect(QueueConsumerMetadataAccessor.fromMethod('not a function')).toBeUndefined();
  });

  it('turns the named shortcuts into queue arguments over the raw ones', () => {
    const options = QueueConsumerMetadataAccessor.fromMethod(proto.onAudit)!.options;
    expect(queueArguments({ ...options, arguments: { 'x-message-ttl': 1, 'x-custom': 'kept' } })).toEqual({
      'x-custom': 'kept',
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'audit.dlx',
      'x-message-ttl': 60_000,
    });
    expect(routingKeysOf({ routingKeys: 'one' })).toEqual(['one']);
    expect(routingKeysOf({})).toEqual([]);
  });

  it('builds the start-up spec with defaults: durable, prefetch 10, auto ack, confirm only with retries', () => {
    const audit = queueConsumerSpec(QueueConsumerMetadataAccessor.fromMethod(proto.onAudit)!);
    expect(audit.topology.declare).toEqual({
      passive: false,
      durable: true,
      exclusive: false,
      autoDelete: false,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'audit.dlx', 'x-message-ttl': 60_000 },
    });
    expect(audit.topology.exchange).toEqual({ name: 'events', type: 'topic', durable: true, autoDelete: false, internal: false, arguments: {} });
    expect(audit.topology.bindings).toEqual([
      { exchange: 'events', routingKey: 'order.*' },
      { exchange: 'events', routingKey: 'invoice.*' },
      { exchange: 'headers-ex', routingKey: '', arguments: { 'x-match': 'all', kind: 'audit' } },
    ]);
    expect(audit.prefetch).toBe(10);
    expect(audit.autoAck).toBe(false);
    expect(audit.confirm).toBe(true);

    const orders = queueConsumerSpec(QueueConsumerMetadataAccessor.fromMethod(proto.onOrder)!);
    expect(orders.prefetch).toBe(5);
    expect(orders.confirm).toBe(false);
    expect(orders.topology.bindings).toEqual([]);
  });

  it.each<[string, () => unknown, string]>([
    ['a non-string queue', () => QueueConsumer(42 as unknown as string), 'queue'],
    ['a queue name over 255 bytes', () => QueueConsumer('q'.repeat(256)), 'queue'],
    ['a negative prefetch', () => QueueConsumer('q', { prefetch: -1 }), 'prefetch'],
    ['a prefetch over 65535', () => QueueConsumer('q', { prefetch: 70_000 }), 'prefetch'],
    ['an unknown ack mode', () => QueueConsumer('q', { ack: 'later' as 'auto' }), 'ack'],
    ['fractional retry attempts', () => QueueConsumer('q', { retry: { attempts: 1.5 } }), 'retry.attempts'],
    ['a negative retry delay', () => QueueConsumer('q', { retry: { attempts: 1, delay: -5 } }), 'retry.delay'],
    ['a backoff below 1', () => QueueConsumer('q', { retry: { attempts: 1, backoff: 0.5 } }), 'retry.backoff'],
    ['retry with manual ack', () => QueueConsumer('q', { ack: 'manual', retry: { attempts: 1 } }), 'retry'],
    ['routing keys without an exchange', () => QueueConsumer('q', { routingKeys: 'a' }), 'routingKeys'],
    ['an exchange without a name', () => QueueConsumer('q', { exchange: { name: '' } }), 'exchange.name'],
  ])('refuses %s with an InvalidArgumentError naming the option', (_name, decorate, argument) => {
    let caught: unknown;
    try {
      decorate();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).argument).toBe(argument);
  });
});
