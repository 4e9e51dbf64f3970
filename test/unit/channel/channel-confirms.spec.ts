import { describe, it, expect } from '@jest/globals';
import { PublishNackedError } from '../../../lib/protocol/errors.js';
import { FakeLink, flush, method, openChannel } from './fake-link.js';

async function confirmChannel(link: FakeLink) {
  const channel = await openChannel(link);
  const selected = channel.confirmDelivery();
  expect(link.take().map((w) => [w.method.name, w.method.args])).toEqual([
    ['confirm.select', { nowait: false }],
  ]);
  channel.handleMethod(method('confirm.select-ok'));
  await selected;
  return channel;
}

/** Tracks which of the promises settled and how, without awaiting them. */
function watch(promises: Array<Promise<void>>) {
  const outcome: Array<'pending' | 'resolved' | unknown> = promises.map(() => 'pending');
  promises.forEach((p, i) =>
    p.then(
      () => (outcome[i] = 'resolved'),
      (e: unknown) => (outcome[i] = e),
    ),
  );
  return outcome;
}

describe('Channel: publisher confirms', () => {
  it('settles each publish on its own ack or nack, tags counted from 1', async () => {
    const link = new FakeLink();
    const channel = await confirmChannel(link);
    const publishes = [1, 2, 3].map((i) => channel.basicPublish('', 'q', `m${i}`));
    const outcome = watch(publishes);
    channel.handleMethod(method('basic.ack', { deliveryTag: 2, multiple: false }));
    await flush();
    expect(outcome).toEqual(['pending', 'resolved', 'pending']);
    channel.handleMethod(method('basic.nack', { deliveryTag: 3, multiple: false, requeue: false }));
    await flush();
    expect(outcome[2]).toBeInstanceOf(PublishNackedError);
    expect((outcome[2] as PublishNackedError).deliveryTag).toBe(3);
    expect(outcome[0]).toBe('pending');
    channel.handleMethod(method('basic.ack', { deliveryTag: 1, multiple: false }));
    await flush();
    expect(outcome[0]).toBe('resolved');
  });

  it('a multiple ack settles every outstanding tag up to N and no further', async () => {
    const link = new FakeLink();
    const channel = await confirmChannel(link);
    const publishes = Array.from({ length: 10 }, (_, i) => channel.basicPublish('', 'q', String(i)));
    const outcome = watch(publishes);
    channel.handleMethod(method('basic.ack', { deliveryTag: 3, multiple: false }));
    channel.handleMethod(method('basic.ack', { deliveryTag: 6, multiple: true }));
    await flush();
    expect(outcome).toEqual([
      'resolved',
      'resolved',
      'resolved',
      'resolved',
      'resolved',
      'resolved',
      'pending',
      'pending',
      'pending',
      'pending',
    ]);
    channel.handleMethod(method('basic.nack', { deliveryTag: 9, multiple: true, requeue: false }));
    await flush();
    expect(outcome.slice(6, 9).map((e) => (e as PublishNackedError).deliveryTag)).toEqual([7, 8, 9]);
    expect(outcome[9]).toBe('pending');
  });

  it('settles 100,000 pipelined publishes with one multiple ack', async () => {
    const link = new FakeLink();
    const channel = await confirmChannel(link);
    const body = Buffer.alloc(16);
    const publishes: Array<Promise<void>> = [];
    for (let i = 0; i < 100_000; i++) publishes.push(channel.basicPublish('', 'q', body));
    link.take();
    channel.handleMethod(method('basic.ack', { deliveryTag: 100_000, multiple: true }));
    await expect(Promise.all(publishes)).resolves.toHaveLength(100_000);
  });

  it('counts tags from the first publish written after confirm.select', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    await Promise.resolve(channel.basicPublish('', 'q', 'before')); // no confirm mode yet: resolves when written
    void channel.queueDeclare({ queue: 'q' });
    void channel.confirmDelivery();
    const afterSelect = channel.basicPublish('', 'q', 'after');
    expect(link.names()).toEqual(['basic.publish', 'queue.declare']);
    channel.handleMethod(method('queue.declare-ok', { queue: 'q', messageCount: 0, consumerCount: 0 }));
    expect(link.names()).toEqual(['confirm.select', 'basic.publish']);
    channel.handleMethod(method('confirm.select-ok'));
    const outcome = watch([afterSelect]);
    await flush();
    expect(outcome).toEqual(['pending']);
    channel.handleMethod(method('basic.ack', { deliveryTag: 1, multiple: false }));
    await flush();
    expect(outcome).toEqual(['resolved']);
  });

  it('an ignored rejected publish does not surface as an unhandled rejection', async () => {
    const link = new FakeLink();
    const channel = await confirmChannel(link);
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      void channel.basicPublish('', 'q', 'x');
      channel.handleMethod(method('basic.nack', { deliveryTag: 1, multiple: false, requeue: false }));
      await flush();
      await flush();
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });
});

describe('Channel: publish without confirms', () => {
  it('writes one buffer per publish and resolves at once when the link accepts it', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    const writes: Buffer[] = [];
    const write = link.write.bind(link);
    link.write = (frames: Buffer) => {
      writes.push(frames);
      return write(frames);
    };
    const props = { contentType: 'application/json', priority: 0, headers: { a: 'b' } };
    const first = channel.basicPublish('ex', 'rk', Buffer.from('{"a":1}'), props, { mandatory: true });
    const second = channel.basicPublish('ex', 'rk', 'text');
    expect(writes).toHaveLength(2);
    // the same settled promise object is shared by every unblocked publish: nothing allocated per call
    expect(first).toBe(second);
    await expect(first).resolves.toBeUndefined();
    const [publish] = link.take();
    expect(publish!.method.args).toMatchObject({
      exchange: 'ex',
      routingKey: 'rk',
      mandatory: true,
      immediate: false,
    });
    expect(publish!.properties).toEqual(props);
    expect(publish!.body!.toString()).toBe('{"a":1}');
  });

  it('waits for drain when the outbound buffer is over its mark', async () => {
    const link = new FakeLink();
    const channel = await openChannel(link);
    link.writeResult = false;
    const outcome = watch([channel.basicPublish('', 'q', 'x')]);
    await flush();
    expect(outcome).toEqual(['pending']);
    link.emitDrain();
    await flush();
    expect(outcome).toEqual(['resolved']);
  });

  it('splits a body larger than frame_max into body frames', async () => {
    const link = new FakeLink();
    link.frameMax = 8192;
    const channel = await openChannel(link);
    const body = Buffer.alloc(50_000, 7);
    await channel.basicPublish('', 'q', body);
    const [publish] = link.take();
    expect(publish!.body!.equals(body)).toBe(true);
  });
});
