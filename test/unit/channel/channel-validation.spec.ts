import { describe, it, expect } from '@jest/globals';
import { InvalidArgumentError, type EncodeError } from '../../../lib/protocol/errors.js';
import { FakeLink, method, openChannel } from './fake-link.js';

async function setup() {
  const link = new FakeLink();
  const channel = await openChannel(link);
  return { link, channel };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Channel: arguments checked at the call, before any byte', () => {
  const long = 'q'.repeat(256);
  const longUtf8 = 'é'.repeat(128); // 128 characters, 256 bytes
  const cases: Array<[string, string, (c: Awaited<ReturnType<typeof setup>>['channel']) => unknown]> = [
    ['queue name over 255 bytes', 'queue', (c) => c.queueDeclare({ queue: long })],
    ['queue name over 255 UTF-8 bytes', 'queue', (c) => c.queueDeclare({ queue: longUtf8 })],
    ['queue name with a lone surrogate', 'queue', (c) => c.queueDeclare({ queue: 'bad\ud800' })],
    ['exchange name over 255 bytes', 'exchange', (c) => c.exchangeDeclare({ exchange: long })],
    ['empty exchange name on declare', 'exchange', (c) => c.exchangeDeclare({ exchange: '' })],
    ['empty exchange type', 'exchangeType', (c) => c.exchangeDeclare({ exchange: 'x', exchangeType: '' })],
    [
      'bind routing key over 255 bytes',
      'routingKey',
      (c) => c.queueBind({ queue: 'q', exchange: 'x', routingKey: long }),
    ],
    ['consume on a long queue name', 'queue', (c) => c.basicConsume(long, () => undefined)],
    [
      'consumer tag over 255 bytes',
      'consumerTag',
      (c) => c.basicConsume('q', () => undefined, { consumerTag: long }),
    ],
    ['non-function consumer', 'onMessage', (c) => c.basicConsume('q', 'nope' as never)],
    ['get on a long queue name', 'queue', (c) => c.basicGet(long)],
    ['prefetchCount over 65535', 'prefetchCount', (c) => c.basicQos({ prefetchCount: 65536 })],
    ['negative prefetchCount', 'prefetchCount', (c) => c.basicQos({ prefetchCount: -1 })],
    ['fractional prefetchCount', 'prefetchCount', (c) => c.basicQos({ prefetchCount: 1.5 })],
    ['non-zero prefetchSize', 'prefetchSize', (c) => c.basicQos({ prefetchSize: 1024 })],
    ['ack of tag 0 without multiple', 'deliveryTag', (c) => c.basicAck(0)],
    ['ack of a negative tag', 'deliveryTag', (c) => c.basicAck(-1)],
    ['ack of a fractional tag', 'deliveryTag', (c) => c.basicAck(1.5)],
    ['ack of a tag never delivered', 'deliveryTag', (c) => c.basicAck(1)],
    ['nack of a tag never delivered', 'deliveryTag', (c) => c.basicNack(3)],
    ['reject of tag NaN', 'deliveryTag', (c) => c.basicReject(Number.NaN)],
    ['publish of a number body', 'body', (c) => c.basicPublish('', 'q', 42 as never)],
  ];

  it.each(cases)('%s -> InvalidArgumentError(%s)', async (_label, argument, call) => {
    const { link, channel } = await setup();
    const error = caught(() => call(channel));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect(link.take()).toEqual([]);
    expect(channel.state).toBe('OPEN');
  });

  it('accepts a 255-byte name and ack of the highest delivered tag (and 0 with multiple)', async () => {
    const { link, channel } = await setup();
    void channel.queueDeclare({ queue: 'q'.repeat(255) });
    expect(link.names()).toEqual(['queue.declare']);
    channel.handleMethod(
      method('queue.declare-ok', { queue: 'q'.repeat(255), messageCount: 0, consumerCount: 0 }),
    );
    void channel.basicConsume('q', () => undefined, { consumerTag: 'c' });
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'c' }));
    channel.handleContent(
      method('basic.deliver', {
        consumerTag: 'c',
        deliveryTag: 2,
        redelivered: false,
        exchange: '',
        routingKey: '',
      }),
      {},
      Buffer.alloc(0),
    );
    link.take();
    channel.basicAck(2);
    channel.basicAck(0, true);
    expect(link.take().map((w) => w.method.args)).toEqual([
      { deliveryTag: 2, multiple: false },
      { deliveryTag: 0, multiple: true },
    ]);
  });

  it('refuses a consumer tag already in use (the broker would close the connection with 530)', async () => {
    const { link, channel } = await setup();
    void channel.basicConsume('q', () => undefined, { consumerTag: 'dup' });
    link.take();
    expect(caught(() => channel.basicConsume('q', () => undefined, { consumerTag: 'dup' }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    channel.handleMethod(method('basic.consume-ok', { consumerTag: 'dup' }));
    expect(caught(() => channel.basicConsume('q', () => undefined, { consumerTag: 'dup' }))).toBeInstanceOf(
      InvalidArgumentError,
    );
    expect(link.take()).toEqual([]);
  });

  it('an unencodable publish (routing key over 255 bytes) throws the codec error before writing', async () => {
    const { link, channel } = await setup();
    const error = caught(() => channel.basicPublish('', 'k'.repeat(300), 'x'));
    expect((error as EncodeError).code).toBe('ERR_AMQP_ENCODE');
    expect(link.take()).toEqual([]);
  });
});
