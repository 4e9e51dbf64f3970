import { describe, expect, it } from '@jest/globals';
import { stableKey } from '../../../lib/protocol/recovery/stable-key.js';
import { TopologyRecord } from '../../../lib/protocol/recovery/topology-record.js';

type Owner = { id: string };
const a: Owner = { id: 'a' };
const b: Owner = { id: 'b' };
const noop = (): void => undefined;

function record() {
  return new TopologyRecord<Owner, () => void, Record<string, unknown>>();
}

describe('TopologyRecord', () => {
  it('keeps exchanges, queues, bindings and consumers in the order recorded', () => {
    const r = record();
    r.recordExchange({ exchange: 'x1', exchangeType: 'topic' });
    r.recordExchange({ exchange: 'x2' });
    r.recordQueue('q1', 'q1', { durable: true });
    r.recordBinding({ kind: 'queue', source: 'x1', destination: 'q1', routingKey: 'k' });
    r.recordBinding({ kind: 'exchange', source: 'x1', destination: 'x2', routingKey: '#' });
    r.recordConsumer({ owner: a, consumerTag: 't1', queue: 'q1', onMessage: noop });
    expect(r.exchanges().map((e) => e.exchange)).toEqual(['x1', 'x2']);
    expect(r.queues()).toEqual([{ name: 'q1', serverNamed: false, durable: true }]);
    expect(r.bindings().map((x) => `${x.source}->${x.destination}`)).toEqual(['x1->q1', 'x1->x2']);
    expect(r.consumers().map((c) => c.consumerTag)).toEqual(['t1']);
  });

  it('records a binding once whatever the key order of its arguments, and forgets it by value', () => {
    const r = record();
    r.recordBinding({
      kind: 'queue',
      source: 'x',
      destination: 'q',
      routingKey: '',
      arguments: { a: 1, b: 'two' },
    });
    r.recordBinding({
      kind: 'queue',
      source: 'x',
      destination: 'q',
      routingKey: '',
      arguments: { b: 'two', a: 1 },
    });
    expect(r.bindings()).toHaveLength(1);
    r.recordBinding({
      kind: 'queue',
      source: 'x',
      destination: 'q',
      routingKey: '',
      arguments: { a: 2, b: 'two' },
    });
    expect(r.bindings()).toHaveLength(2);
    r.removeBinding({
      kind: 'queue',
      source: 'x',
      destination: 'q',
      routingKey: '',
      arguments: { b: 'two', a: 1 },
    });
    expect(r.bindings().map((x) => x.arguments)).toEqual([{ a: 2, b: 'two' }]);
  });

  it('deleting a queue forgets its bindings and consumers; deleting an exchange its bindings both ways', () => {
    const r = record();
    r.recordQueue('q', 'q', {});
    r.recordQueue('other', 'other', {});
    r.recordBinding({ kind: 'queue', source: 'x', destination: 'q', routingKey: '' });
    r.recordBinding({ kind: 'queue', source: 'x', destination: 'other', routingKey: '' });
    r.recordBinding({ kind: 'exchange', source: 'y', destination: 'x', routingKey: '' });
    r.recordConsumer({ owner: a, consumerTag: 't', queue: 'q', onMessage: noop });
    r.deleteQueue('q');
    expect(r.queues().map((q) => q.name)).toEqual(['other']);
    expect(r.consumers()).toEqual([]);
    expect(r.bindings()).toHaveLength(2);
    r.deleteExchange('x');
    expect(r.bindings()).toEqual([]);
  });

  it('renames a server-named queue everywhere and maps the old names to the newest', () => {
    const r = record();
    r.recordQueue('', 'amq.gen-1', { exclusive: true });
    r.recordBinding({ kind: 'queue', source: 'x', destination: 'amq.gen-1', routingKey: 'k' });
    r.recordConsumer({ owner: a, consumerTag: 't', queue: 'amq.gen-1', onMessage: noop });
    r.renameQueue('amq.gen-1', 'amq.gen-2');
    r.renameQueue('amq.gen-2', 'amq.gen-3');
    expect(r.queues()).toEqual([{ name: 'amq.gen-3', serverNamed: true, exclusive: true }]);
    expect(r.bindings()[0]?.destination).toBe('amq.gen-3');
    expect(r.consumers()[0]?.queue).toBe('amq.gen-3');
    expect(r.resolveQueue('amq.gen-1')).toBe('amq.gen-3');
    expect(r.resolveQueue('amq.gen-2')).toBe('amq.gen-3');
    expect(r.resolveQueue('unrelated')).toBe('unrelated');
    // A binding made later with the first name lands on the current one.
    r.recordBinding({ kind: 'queue', source: 'y', destination: 'amq.gen-1', routingKey: '' });
    expect(r.bindings().map((x) => x.destination)).toEqual(['amq.gen-3', 'amq.gen-3']);
    // Re-declaring the queue by its current name keeps it server-named.
    r.recordQueue('amq.gen-3', 'amq.gen-3', { exclusive: true });
    expect(r.queues()[0]?.serverNamed).toBe(true);
  });

  it('forgets an auto-delete queue with its last consumer, not before', () => {
    const r = record();
    r.recordQueue('q', 'q', { autoDelete: true });
    r.recordBinding({ kind: 'queue', source: 'x', destination: 'q', routingKey: '' });
    r.recordConsumer({ owner: a, consumerTag: 't1', queue: 'q', onMessage: noop });
    r.recordConsumer({ owner: b, consumerTag: 't1', queue: 'q', onMessage: noop });
    r.removeConsumer(a, 't1');
    expect(r.queues()).toHaveLength(1);
    r.removeConsumersOf(b);
    expect(r.queues()).toEqual([]);
    expect(r.bindings()).toEqual([]);
  });

  it('keeps a durable queue when its consumers go', () => {
    const r = record();
    r.recordQueue('q', 'q', { durable: true });
    r.recordConsumer({ owner: a, consumerTag: 't1', queue: 'q', onMessage: noop });
    r.removeConsumer(a, 't1');
    expect(r.queues()).toHaveLength(1);
  });

  it('forgets an auto-delete exchange when its last binding as a source goes', () => {
    const r = record();
    r.recordExchange({ exchange: 'ax', autoDelete: true });
    r.recordBinding({ kind: 'queue', source: 'ax', destination: 'q1', routingKey: '' });
    r.recordBinding({ kind: 'queue', source: 'ax', destination: 'q2', routingKey: '' });
    r.removeBinding({ kind: 'queue', source: 'ax', destination: 'q1', routingKey: '' });
    expect(r.exchanges()).toHaveLength(1);
    r.removeBinding({ kind: 'queue', source: 'ax', destination: 'q2', routingKey: '' });
    expect(r.exchanges()).toEqual([]);
  });

  it('tells consumers of different channels apart by owner', () => {
    const r = record();
    r.recordConsumer({ owner: a, consumerTag: 'same', queue: 'q', onMessage: noop });
    r.recordConsumer({ owner: b, consumerTag: 'same', queue: 'q', onMessage: noop });
    r.removeConsumer(a, 'same');
    expect(r.consumers().map((c) => c.owner)).toEqual([b]);
  });
});

describe('stableKey', () => {
  it('ignores key order and undefined fields, tells types apart', () => {
    expect(stableKey({ a: 1, b: [true, 'x'] })).toBe(stableKey({ b: [true, 'x'], a: 1, c: undefined }));
    expect(stableKey({ a: 1 })).not.toBe(stableKey({ a: '1' }));
    expect(stableKey({ a: 1n })).not.toBe(stableKey({ a: 1 }));
    expect(stableKey(Buffer.from('ab'))).not.toBe(stableKey('ab'));
    expect(stableKey(new Date(5))).toBe(stableKey(new Date(5)));
  });
});
