import { describe, it, expect } from '@jest/globals';
import { defaultQueueSpec } from '../../../../lib/transport/server/consumer-specs.js';

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

  it('binds to an exchange: topic defaults to "#", other types to "", or the given keys', () => {
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex' }).topology).toMatchObject({
      exchange: { name: 'ex', type: 'topic', durable: true },
      bindings: [{ exchange: 'ex', routingKey: '#' }],
    });
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex', exchangeType: 'fanout' }).topology.bindings).toEqual([{ exchange: 'ex', routingKey: '' }]);
    expect(defaultQueueSpec({ queue: 'q', exchange: 'ex', routingKey: ['a.*', 'b'] }).topology.bindings).toEqual([
      { exchange: 'ex', routingKey: 'a.*' },
      { exchange: 'ex', routingKey: 'b' },
    ]);
  });
});
