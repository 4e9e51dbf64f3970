import { describe, it, expect } from '@jest/globals';
import { Channel } from '../../../lib/protocol/channel/channel.js';
import { FakeLink, flush, method, openChannel } from './fake-link.js';

describe('Channel: opening', () => {
  it('starts OPENING, sends channel.open and becomes OPEN on open-ok', async () => {
    const link = new FakeLink();
    const channel = new Channel(link, 3);
    expect(channel.state).toBe('OPENING');
    expect(channel.isOpen).toBe(false);
    const opened = channel.open();
    const written = link.take();
    expect(written.map((w) => [w.channel, w.method.name])).toEqual([[3, 'channel.open']]);
    channel.handleMethod(method('channel.open-ok', { channelId: '' }));
    await expect(opened).resolves.toBe(channel);
    expect(channel.state).toBe('OPEN');
    expect(channel.isOpen).toBe(true);
  });

  it('drops a stray delivery while OPENING instead of dispatching it', async () => {
    const link = new FakeLink();
    const channel = new Channel(link, 1);
    void channel.open();
    link.take();
    channel.handleMethod(method('basic.ack', { deliveryTag: 1, multiple: false }));
    expect(channel.state).toBe('OPENING');
    expect(link.take()).toEqual([]);
  });
});

describe('Channel: synchronous-method queue', () => {
  it('keeps one synchronous method in flight and sends the rest in call order', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const first = channel.queueDeclare({ queue: 'a' });
    const second = channel.exchangeDeclare({ exchange: 'x', exchangeType: 'fanout' });
    const published = channel.basicPublish('x', '', 'hello');
    const third = channel.queueBind({ queue: 'a', exchange: 'x', routingKey: 'k' });
    // Only the first is on the wire; the publish must not overtake the exchange.declare before it.
    expect(link.names()).toEqual(['queue.declare']);

    channel.handleMethod(method('queue.declare-ok', { queue: 'a', messageCount: 4, consumerCount: 1 }));
    expect(link.names()).toEqual(['exchange.declare', 'basic.publish']);
    await expect(first).resolves.toEqual({ queue: 'a', messageCount: 4, consumerCount: 1 });

    channel.handleMethod(method('exchange.declare-ok'));
    await expect(second).resolves.toEqual({});
    await expect(published).resolves.toBeUndefined();
    const bind = link.take();
    expect(bind.map((w) => w.method.name)).toEqual(['queue.bind']);
    expect(bind[0]!.method.args).toMatchObject({ queue: 'a', exchange: 'x', routingKey: 'k' });

    channel.handleMethod(method('queue.bind-ok'));
    await expect(third).resolves.toEqual({});
  });

  it('encodes the options objects into the spec fields', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    void channel.exchangeDeclare({
      exchange: 'ex',
      exchangeType: 'topic',
      durable: true,
      autoDelete: true,
      internal: true,
      arguments: { a: 1 },
    });
    const [declare] = link.take();
    expect(declare!.method.args).toMatchObject({
      exchange: 'ex',
      type: 'topic',
      passive: false,
      durable: true,
      autoDelete: true,
      internal: true,
      nowait: false,
      arguments: { a: 1 },
    });
    channel.handleMethod(method('exchange.declare-ok'));
    void channel.queueDeclare({ queue: 'q', exclusive: true, passive: true });
    await flush();
    expect(link.take()[0]!.method.args).toMatchObject({
      queue: 'q',
      passive: true,
      durable: false,
      exclusive: true,
      autoDelete: false,
    });
    channel.handleMethod(method('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 }));
    void channel.basicQos({ prefetchCount: 1000, global: true });
    expect(link.take()[0]!.method.args).toMatchObject({ prefetchSize: 0, prefetchCount: 1000, global: true });
    channel.handleMethod(method('basic.qos-ok'));
    void channel.queueDelete({ queue: 'q', ifEmpty: true });
    expect(link.take()[0]!.method.args).toMatchObject({ queue: 'q', ifUnused: false, ifEmpty: true });
    channel.handleMethod(method('queue.delete-ok', { messageCount: 2 }));
    void channel.exchangeBind({ destination: 'd', source: 's', routingKey: 'r' });
    expect(link.take()[0]!.method.args).toMatchObject({ destination: 'd', source: 's', routingKey: 'r' });
  });

  it('passes the result to a continuation as well as to the promise', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const seen: unknown[] = [];
    const promise = channel.queuePurge({ queue: 'q' }, (ok) => seen.push(ok));
    channel.handleMethod(method('queue.purge-ok', { messageCount: 9 }));
    await expect(promise).resolves.toEqual({ messageCount: 9 });
    expect(seen).toEqual([{ messageCount: 9 }]);
  });

  it('answers a reply nobody asked for with channel.close 505 naming the method', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    channel.handleMethod(method('queue.declare-ok', { queue: 'zzz', messageCount: 0, consumerCount: 0 }));
    expect(channel.state).toBe('CLOSING');
    const [close] = link.take();
    expect(close!.method.name).toBe('channel.close');
    expect(close!.method.args).toMatchObject({ replyCode: 505, classId: 50, methodId: 11 });
    expect((close!.method.args as { replyText: string }).replyText).toContain('queue.declare-ok');
  });

  it('basic.get resolves the message on get-ok and null on get-empty', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const got = channel.basicGet('q', { autoAck: true });
    expect(link.take()[0]!.method.args).toMatchObject({ queue: 'q', noAck: true });
    const getOk = { deliveryTag: 5, redelivered: true, exchange: 'e', routingKey: 'r', messageCount: 3 };
    channel.handleContent(method('basic.get-ok', getOk), { contentType: 'text/plain' }, Buffer.from('body'));
    const message = await got;
    expect(message).not.toBeNull();
    expect(message!.method).toEqual(getOk);
    expect(message!.properties).toEqual({ contentType: 'text/plain' });
    expect(message!.body.toString()).toBe('body');
    // The get-ok's delivery tag can now be acked.
    channel.basicAck(5);
    expect(link.take()[0]!.method.args).toEqual({ deliveryTag: 5, multiple: false });

    const empty = channel.basicGet('q');
    channel.handleMethod(method('basic.get-empty', { clusterId: '' }));
    await expect(empty).resolves.toBeNull();
  });

  it('acks, nacks, rejects and recovers with the spec defaults', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const consumed = channel.basicConsume('q', () => undefined, { consumerTag: 'c' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'c' }));
    await consumed;
    link.take();
    for (let tag = 1; tag <= 4; tag++) {
      channel.handleContent(
        method('basic.deliver', {
          consumerTag: 'c',
          deliveryTag: tag,
          redelivered: false,
          exchange: '',
          routingKey: 'q',
        }),
        {},
        Buffer.alloc(0),
      );
    }
    channel.basicAck(2, true);
    channel.basicNack(3);
    channel.basicNack(4, { requeue: false, multiple: true });
    channel.basicReject(1, false);
    const recovered = channel.basicRecover(true);
    expect(link.take().map((w) => [w.method.name, w.method.args])).toEqual([
      ['basic.ack', { deliveryTag: 2, multiple: true }],
      ['basic.nack', { deliveryTag: 3, multiple: false, requeue: true }],
      ['basic.nack', { deliveryTag: 4, multiple: true, requeue: false }],
      ['basic.reject', { deliveryTag: 1, requeue: false }],
      ['basic.recover', { requeue: true }],
    ]);
    channel.handleMethod(method('basic.recover-ok'));
    await expect(recovered).resolves.toBeUndefined();
  });

  it('holds acks behind a queued synchronous method to keep the call order', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const consumed = channel.basicConsume('q', () => undefined, { consumerTag: 'c' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'c' }));
    await consumed;
    channel.handleContent(
      method('basic.deliver', {
        consumerTag: 'c',
        deliveryTag: 1,
        redelivered: false,
        exchange: '',
        routingKey: 'q',
      }),
      {},
      Buffer.alloc(0),
    );
    link.take();
    void channel.basicQos({ prefetchCount: 5 });
    void channel.basicCancel('c');
    channel.basicAck(1);
    expect(link.names()).toEqual(['basic.qos']);
    channel.handleMethod(method('basic.qos-ok'));
    expect(link.names()).toEqual(['basic.cancel', 'basic.ack']);
  });

  it('tx.select, tx.commit and tx.rollback go through the queue; commit before select is refused', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    expect(() => channel.txCommit()).toThrow(/tx\.commit before tx\.select/);
    expect(link.take()).toEqual([]);
    const selected = channel.txSelect();
    const committed = channel.txCommit();
    const rolledBack = channel.txRollback();
    expect(link.names()).toEqual(['tx.select']);
    channel.handleMethod(method('tx.select-ok'));
    expect(link.names()).toEqual(['tx.commit']);
    channel.handleMethod(method('tx.commit-ok'));
    expect(link.names()).toEqual(['tx.rollback']);
    channel.handleMethod(method('tx.rollback-ok'));
    await expect(Promise.all([selected, committed, rolledBack])).resolves.toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(() => channel.confirmDelivery()).toThrow(/transactional/);
  });
});
