import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../../lib/protocol/errors.js';
import { resolveConsumerConfig, assertNoConnection } from '../../../../lib/transport/consume/consumer-config.resolver.js';
import { ConsumerConfigError } from '../../../../lib/transport/core/consumer.errors.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { QueueConsumerMetadataAccessor } from '../../../../lib/transport/decorators/queue-consumer-metadata.accessor.js';
import type { QueueConsumerMetadata } from '../../../../lib/transport/decorators/queue-consumer.metadata.js';

class Orders {
  @QueueConsumer({ config: 'orders' }, { durable: false, prefetch: 5 })
  onOrder(): void {}

  @QueueConsumer('literal', { connection: 'billing' })
  onLiteral(): void {}
}

const metadataOf = (method: unknown): QueueConsumerMetadata => QueueConsumerMetadataAccessor.fromMethod(method) as QueueConsumerMetadata;

describe('@QueueConsumer({ config })', () => {
  it('records the entry name, no queue yet, and a pattern naming the method', () => {
    const metadata = metadataOf(Orders.prototype.onOrder);
    expect(metadata).toEqual({ queue: '', config: 'orders', options: { durable: false, prefetch: 5 }, pattern: 'amqp-queue-consumer:config=orders:Orders.onOrder' });
  });

  it('refuses an empty or non-string entry name at decoration', () => {
    expect(() => QueueConsumer({ config: '' })).toThrow(InvalidArgumentError);
    expect(() => QueueConsumer({ config: 7 as unknown as string })).toThrow(/config: must be a non-empty string/);
  });
});

describe('resolveConsumerConfig', () => {
  const metadata = metadataOf(Orders.prototype.onOrder);

  it('lays the entry over the decorator defaults (the entry wins)', () => {
    const resolved = resolveConsumerConfig(metadata, { orders: { queue: 'orders.prod', prefetch: 50, retry: { attempts: 2 } } }, 'here');
    expect(resolved).toEqual({
      queue: 'orders.prod',
      config: 'orders',
      pattern: metadata.pattern,
      options: { durable: false, prefetch: 50, retry: { attempts: 2 } },
    });
  });

  it('refuses an entry that would move the consumer to another connection', () => {
    expect(() => resolveConsumerConfig(metadata, { orders: { queue: 'q', connection: 'billing' } }, 'here')).toThrow(
      /consumers\.orders: `connection` belongs on the decorator/,
    );
  });

  it('passes literal consumers through untouched', () => {
    const literal = metadataOf(Orders.prototype.onLiteral);
    expect(resolveConsumerConfig(literal, undefined, 'here')).toBe(literal);
  });

  it('names the missing entry, the consumer, where it looked and what it found', () => {
    const error = (() => {
      try {
        resolveConsumerConfig(metadata, { payments: { queue: 'p' } }, 'AmqpModule `consumers`');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConsumerConfigError);
    expect(error).toMatchObject({ code: 'ERR_AMQP_CONSUMER_CONFIG', configName: 'orders', consumer: 'Orders.onOrder' });
    expect((error as Error).message).toBe(
      'consumers.orders: no such entry in AmqpModule `consumers` (entries: payments) (named by Orders.onOrder)',
    );
  });

  it('does not take inherited keys for entries', () => {
    const hook = metadataOf(Orders.prototype.onOrder);
    const toString = { ...hook, config: 'toString' };
    expect(() => resolveConsumerConfig(toString, {}, 'here')).toThrow(/consumers.toString: no such entry/);
  });

  it('validates the merged options and names the entry', () => {
    expect(() => resolveConsumerConfig(metadata, { orders: { queue: 'q', ack: 'sometimes' as 'auto' } }, 'here')).toThrow(
      /consumers\.orders: ack: must be one of auto, manual, none/,
    );
    expect(() => resolveConsumerConfig(metadata, { orders: {} as { queue: string } }, 'here')).toThrow(/`queue` must be a string/);
  });

  it('property: any entry name that is missing is named in the error', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const ref = { ...metadata, config: name };
        try {
          resolveConsumerConfig(ref, {}, 'here');
          return false;
        } catch (error) {
          return error instanceof ConsumerConfigError && error.configName === name && error.message.includes(`consumers.${name}`);
        }
      }),
    );
  });
});

describe('assertNoConnection', () => {
  it('refuses `connection` on a controller consumer, naming it', () => {
    expect(() => assertNoConnection(metadataOf(Orders.prototype.onLiteral))).toThrow(/Orders.onLiteral is a controller's consumer.*connection: billing/);
    expect(() => assertNoConnection(metadataOf(Orders.prototype.onOrder))).not.toThrow();
  });
});
