import { EventEmitter } from 'node:events';
import { describe, it, expect } from '@jest/globals';
import type { BasicDeliver, BasicProperties, BasicReturn } from '../../../lib/protocol/codec/index.js';
import type { Channel } from '../../../lib/protocol/channel/channel.js';
import { FakeLink, flush, method, openChannel } from './fake-link.js';

function deliver(consumerTag: string, deliveryTag: number) {
  return method('basic.deliver', {
    consumerTag,
    deliveryTag,
    redelivered: false,
    exchange: 'ex',
    routingKey: 'rk',
  });
}

describe('Channel: consumers', () => {
  it('registers the consumer as consume-ok is read, so a delivery right behind it is not lost', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const seen: Array<[Channel, BasicDeliver, BasicProperties, string]> = [];
    const tags: string[] = [];
    const consumed = channel.basicConsume(
      'q',
      (ch, m, p, body) => seen.push([ch, m, p, body.toString()]),
      { autoAck: true, exclusive: true },
      (tag) => tags.push(tag),
    );
    const [consume] = link.take();
    expect(consume!.method.args).toMatchObject({
      queue: 'q',
      consumerTag: '',
      noAck: true,
      exclusive: true,
      noLocal: false,
    });
    // same synchronous turn, before any promise callback could run
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'amq.ctag-1' }));
    channel.handleContent(deliver('amq.ctag-1', 1), { messageId: 'm1' }, Buffer.from('one'));
    await expect(consumed).resolves.toBe('amq.ctag-1');
    expect(tags).toEqual(['amq.ctag-1']);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe(channel);
    expect(seen[0]![1]).toEqual({
      consumerTag: 'amq.ctag-1',
      deliveryTag: 1,
      redelivered: false,
      exchange: 'ex',
      routingKey: 'rk',
    });
    expect(seen[0]![2]).toEqual({ messageId: 'm1' });
    expect(seen[0]![3]).toBe('one');
  });

  it('dispatches by consumer tag', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const a: number[] = [];
    const b: number[] = [];
    void channel.basicConsume('qa', (_c, m) => a.push(m.deliveryTag), { consumerTag: 'A' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'A' }));
    void channel.basicConsume('qb', (_c, m) => b.push(m.deliveryTag), { consumerTag: 'B' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'B' }));
    channel.handleContent(deliver('A', 1), {}, Buffer.alloc(0));
    channel.handleContent(deliver('B', 2), {}, Buffer.alloc(0));
    channel.handleContent(deliver('A', 3), {}, Buffer.alloc(0));
    channel.handleContent(deliver('nobody', 4), {}, Buffer.alloc(0));
    expect(a).toEqual([1, 3]);
    expect(b).toEqual([2]);
  });

  it('basicCancel removes the consumer on cancel-ok; deliveries before it still arrive', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const got: number[] = [];
    void channel.basicConsume('q', (_c, m) => got.push(m.deliveryTag), { consumerTag: 'T' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'T' }));
    link.take();
    const cancelled = channel.basicCancel('T');
    expect(link.take()[0]!.method.args).toMatchObject({ consumerTag: 'T', nowait: false });
    channel.handleContent(deliver('T', 1), {}, Buffer.alloc(0));
    channel.handleMethod(method('basic.cancel-ok', { consumerTag: 'T' }));
    channel.handleContent(deliver('T', 2), {}, Buffer.alloc(0));
    await cancelled;
    expect(got).toEqual([1]);
  });

  it('a broker basic.cancel removes the consumer and calls the cancel callbacks', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const got: number[] = [];
    const cancels: string[] = [];
    channel.addOnCancelCallback((tag) => cancels.push(tag));
    void channel.basicConsume('q', (_c, m) => got.push(m.deliveryTag), { consumerTag: 'T' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'T' }));
    link.take();
    channel.handleMethod(method('basic.cancel', { consumerTag: 'T', nowait: true }));
    expect(link.take()).toEqual([]); // nowait: no cancel-ok
    channel.handleContent(deliver('T', 1), {}, Buffer.alloc(0));
    expect(cancels).toEqual(['T']);
    expect(got).toEqual([]);
    expect(channel.state).toBe('OPEN');
    // the tag is free again
    void channel.basicConsume('q', () => undefined, { consumerTag: 'T' });
    expect(link.names()).toEqual(['basic.consume']);
  });

  it('answers a broker basic.cancel without nowait with cancel-ok', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    channel.handleMethod(method('basic.cancel', { consumerTag: 'X', nowait: false }));
    expect(link.take().map((w) => [w.method.name, w.method.args])).toEqual([
      ['basic.cancel-ok', { consumerTag: 'X' }],
    ]);
  });

  it('a throwing consumer does not break the socket path and is reported on the connection', async () => {
    const link = new FakeLink();
    const sink = new EventEmitter();
    const reported: Error[] = [];
    sink.on('error', (error: Error) => reported.push(error));
    link.connection = sink;
    const channel = await openChannel(link);
    let calls = 0;
    void channel.basicConsume(
      'q',
      () => {
        calls++;
        throw new Error('handler bug');
      },
      { consumerTag: 'T' },
    );
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'T' }));
    expect(() => channel.handleContent(deliver('T', 1), {}, Buffer.alloc(0))).not.toThrow();
    expect(() => channel.handleContent(deliver('T', 2), {}, Buffer.alloc(0))).not.toThrow();
    expect(calls).toBe(2);
    expect(reported.map((e) => e.message)).toEqual(['handler bug', 'handler bug']);
    expect(channel.state).toBe('OPEN');
  });
});

describe('Channel: returns and flow', () => {
  it('hands a basic.return to every return callback', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const returned: Array<[BasicReturn, BasicProperties, string]> = [];
    channel.addOnReturnCallback((_ch, m, p, body) => returned.push([m, p, body.toString()]));
    channel.addOnReturnCallback((_ch, m) => returned.push([m, {}, 'second']));
    const args = { replyCode: 312, replyText: 'NO_ROUTE', exchange: 'ex', routingKey: 'nowhere' };
    channel.handleContent(method('basic.return', args), { correlationId: 'c1' }, Buffer.from('lost'));
    expect(returned).toEqual([
      [args, { correlationId: 'c1' }, 'lost'],
      [args, {}, 'second'],
    ]);
  });

  it('channel.flow active=false answers flow-ok and holds publishes until active=true', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    channel.handleMethod(method('channel.flow', { active: false }));
    expect(link.take().map((w) => [w.method.name, w.method.args])).toEqual([
      ['channel.flow-ok', { active: false }],
    ]);
    let settled = false;
    void channel.basicPublish('', 'q', 'held').then(() => (settled = true));
    await flush();
    expect(link.take()).toEqual([]);
    expect(settled).toBe(false);
    channel.handleMethod(method('channel.flow', { active: true }));
    expect(link.names()).toEqual(['channel.flow-ok', 'basic.publish']);
    await flush();
    expect(settled).toBe(true);
  });
});
