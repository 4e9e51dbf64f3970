import { describe, it, expect } from '@jest/globals';
import { defaultQueueSpec } from '../../../../lib/transport/consume/consumer-specs.js';

describe('defaultQueueSpec', () => {
  it('the default (Nest 12 RMQ: queue "") is a server-named exclusive, non-durable queue, acked (at-least-once), prefetch 100', () => {
    const spec = defaultQueueSpec({});
    expect(spec.topology).toEqual({
      queue: '',
      declare: { passive: false, durable: false, exclusive: true, autoDelete: false, arguments: {} },
      bindings: [],
    });
    expect(spec.autoAck).toBe(false);
    expect(spec.prefetch).toBe(100);
    expect(spec.confirm).toBe(false);
  });

  it('a named queue is durable and shared by default, as amqplib asserts it (so ClientRMQ declares the same)', () => {
    const spec = defaultQueueSpec({ queue: 'math', prefetchCount: 3, noAck: true });
    expect(spec.topology.declare).toEqual({ passive: false, durable: true, exclusive: false, autoDelete: false, arguments: {} });
    expect(spec.prefetch).toBe(3);
    expect(spec.autoAck).toBe(true);
  });

  it('noAssert skips the declaration of a named queue, never of a server-named one', () => {
    expect(defaultQueueSpec({ queue: 'math', noAssert: true }).topology.declare).toBe(false);
    expect(defaultQueueSpec({ queue: 'math', queueOptions: { noAssert: true } }).topology.declare).toBe(false);
    expect(defaultQueueSpec({ queue: '', noAssert: true }).topology.declare).not.toBe(false);
  });

  it('binds to an exchange as Transport.RMQ does: only with a routing key (every key for fanout), the exchange durable with its arguments', () => {
    // Changed meaning: an exchange without a routing key used to be bound with '#'; Transport.RMQ binds nothing then.
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex' }).topology).toMatchObject({
      exchange: { name: 'ex', type: 'topic', durable: true, arguments: {} },
      bindings: [],
    });
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex', exchangeType: 'fanout' }).topology.bindings).toEqual([{ exchange: 'ex', routingKey: '' }]);
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex', routingKey: ['a.*', 'b'] }).topology.bindings).toEqual([
      { exchange: 'ex', routingKey: 'a.*' },
      { exchange: 'ex', routingKey: 'b' },
    ]);
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex', exchangeArguments: { 'alternate-exchange': 'ae' } }).topology.exchange?.arguments).toEqual({
      'alternate-exchange': 'ae',
    });
  });

  it('wildcards: the exchange defaults to the queue name and the queue is bound with each handler pattern', () => {
    const spec = defaultQueueSpec({ queue: 'q', wildcards: true, routingKey: 'extra' }, ['orders.*', 'audit.#', 'sum']);
    expect(spec.topology.exchange).toMatchObject({ name: 'q', type: 'topic', durable: true });
    expect(spec.topology.bindings.map((binding) => binding.routingKey)).toEqual(['extra', 'orders.*', 'audit.#', 'sum']);
    expect(defaultQueueSpec({ queue: 'q', wildcards: true, exchange: 'named' }, ['a']).topology.exchange?.name).toBe('named');
  });

  it('isGlobalPrefetchCount sets basic.qos global', () => {
    expect(defaultQueueSpec({ queue: 'q', isGlobalPrefetchCount: true }).prefetchGlobal).toBe(true);
    expect(defaultQueueSpec({ queue: 'q' }).prefetchGlobal).toBeUndefined();
  });
});
