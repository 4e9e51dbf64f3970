import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AmqpMessage } from '../../../../lib/transport/core/amqp.context.js';
import { HandlerTimeoutWatch } from '../../../../lib/transport/consume/handler-timeout-watch.js';
import { defaultQueueSpec, queueConsumerSpec } from '../../../../lib/transport/consume/consumer-specs.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';
import { DEFAULT_CONSUMER_TIMEOUT_MS } from '../../../../lib/transport/options/consumer-healing.options.js';
import type { QueueConsumerOptions } from '../../../../lib/transport/options/queue-consumer.options.js';

function message(deliveryTag: number): AmqpMessage {
  return {
    content: Buffer.alloc(0),
    fields: { deliveryTag, redelivered: false, exchange: '', routingKey: 'orders', consumerTag: 'ctag-1' },
    properties: { messageId: `m-${deliveryTag}` },
  } as AmqpMessage;
}

describe('HandlerTimeoutWatch', () => {
  let clock = 0;
  beforeEach(() => {
    clock = 0;
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  // The clock moves with the timers, 10 ms at a time, so a sweep reads the time it runs at.
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 10) {
      clock += Math.min(10, left);
      jest.advanceTimersByTime(Math.min(10, left));
    }
  };

  it('warns once per delivery at 80% of the timeout, naming the consumer, the message and the time elapsed', () => {
    const lines: string[] = [];
    const watch = new HandlerTimeoutWatch(1000, '@QueueConsumer("orders") onOrder', (line) => lines.push(line), () => clock);
    expect(watch.warnAfterMs).toBe(800);
    const endFirst = watch.add(message(1), 'orders');
    advance(400);
    const endSecond = watch.add(message(2), 'orders');
    const endThird = watch.add(message(3), 'orders');
    advance(390);
    expect(lines).toEqual([]);
    endThird(); // finished in time: never warned about
    advance(20);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@QueueConsumer\("orders"\) onOrder: the handler of queue "orders", delivery 1, messageId "m-1".* has run for 8\d\d ms, 80% of consumerTimeoutMs 1000/);
    // Still running long after: no second line for it (not a flood).
    advance(5_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/delivery 2, messageId "m-2".* has run for 8\d\d ms/);
    endFirst();
    endSecond();
    advance(60_000);
    expect(lines).toHaveLength(2);
    expect(watch.size).toBe(0);
  });

  it('keeps arrival order as deliveries end out of order (first, middle, last; an end called twice counts once)', () => {
    const lines: string[] = [];
    const watch = new HandlerTimeoutWatch(1000, 'c', (line) => lines.push(line), () => clock);
    const entries = [1, 2, 3, 4, 5].map((tag) => watch.watch(message(tag), 'q'));
    watch.end(entries[2]!);
    watch.end(entries[0]!);
    watch.end(entries[4]!);
    watch.end(entries[2]!);
    expect(watch.size).toBe(2);
    const late = watch.watch(message(6), 'q');
    advance(810);
    expect(lines.map((line) => /delivery (\d+)/.exec(line)?.[1])).toEqual(['2', '4', '6']);
    watch.end(entries[1]!);
    watch.end(entries[3]!);
    watch.end(late);
    expect(watch.size).toBe(0);
    watch.stop();
    watch.end(late);
    expect(watch.size).toBe(0);
  });

  it('holds no timer once nothing runs, and stop() forgets what was running', () => {
    const lines: string[] = [];
    const watch = new HandlerTimeoutWatch(100, 'c', (line) => lines.push(line), () => clock);
    const end = watch.add(message(1), 'q');
    expect(jest.getTimerCount()).toBe(1);
    end();
    advance(50);
    expect(jest.getTimerCount()).toBe(0);
    watch.add(message(2), 'q');
    watch.stop();
    expect(jest.getTimerCount()).toBe(0);
    advance(1_000);
    expect(lines).toEqual([]);
  });
});

describe('consumerTimeoutMs', () => {
  const spec = (options: QueueConsumerOptions) => queueConsumerSpec({ queue: 'orders', pattern: 'amqp:Orders.onOrder', options });

  it('is the option, else the queue\'s x-consumer-timeout, else the broker\'s 30 min; none for ack: none', () => {
    expect(DEFAULT_CONSUMER_TIMEOUT_MS).toBe(1_800_000);
    expect(spec({}).consumerTimeoutMs).toBe(1_800_000);
    expect(spec({ arguments: { 'x-consumer-timeout': 60_000 } }).consumerTimeoutMs).toBe(60_000);
    expect(spec({ consumerTimeoutMs: 5_000, arguments: { 'x-consumer-timeout': 60_000 } }).consumerTimeoutMs).toBe(5_000);
    expect(spec({ ack: 'none' }).consumerTimeoutMs).toBeUndefined();
    expect(defaultQueueSpec({ queue: 'q' }).consumerTimeoutMs).toBe(1_800_000);
    expect(defaultQueueSpec({ queue: 'q', consumerTimeoutMs: 900 }).consumerTimeoutMs).toBe(900);
    expect(defaultQueueSpec({ queue: 'q', queueOptions: { arguments: { 'x-consumer-timeout': 7_000 } } }).consumerTimeoutMs).toBe(7_000);
    expect(defaultQueueSpec({ queue: 'q', noAck: true }).consumerTimeoutMs).toBeUndefined();
  });

  it('a bad value fails naming the option', () => {
    expect(() => QueueConsumer('q', { consumerTimeoutMs: 0 })).toThrow(/consumerTimeoutMs.*from 1 to/);
    expect(() => QueueConsumer('q', { consumerTimeoutMs: 2 ** 31 })).toThrow(/consumerTimeoutMs/);
    expect(() => QueueConsumer('q', { consumerTimeoutMs: '5s' as never })).toThrow(/consumerTimeoutMs/);
    expect(() => new ServerAMQP({ consumerTimeoutMs: 1.5 })).toThrow(/consumerTimeoutMs/);
  });
});
