import { describe, it, expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { ChannelClosedError } from '../../../../lib/protocol/errors.js';
import type { AmqpChannel, AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { ConsumerRunner, type DeliveryHandler } from '../../../../lib/transport/consume/consumer-runner.js';
import type { ConsumerSpec } from '../../../../lib/transport/consume/consumer-specs.js';

type Deliver = (channel: unknown, method: unknown, properties: unknown, body: Buffer) => void;

/** A channel that records the steps it is asked for, in order, and can be told to refuse one. */
function scriptedChannel(refuse?: string) {
  const calls: string[] = [];
  let deliver: Deliver | undefined;
  const step = async <T>(name: string, value: T): Promise<T> => {
    calls.push(name);
    if (name.startsWith(refuse ?? '\0')) {
      throw new ChannelClosedError(1, { replyCode: 406, replyText: "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'", initiator: 'broker' });
    }
    return value;
  };
  const channel = {
    channelNumber: 1,
    state: 'OPEN',
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    addOnCancelCallback: () => undefined,
    confirmDelivery: () => step('confirm.select', undefined),
    exchangeDeclare: (o: { exchange: string }) => step(`exchange.declare ${o.exchange}`, {}),
    queueDeclare: (o: { queue: string }) => step(`queue.declare ${o.queue}`, { queue: o.queue === '' ? 'amq.gen-1' : o.queue, messageCount: 0, consumerCount: 0 }),
    queueBind: (o: { queue: string; exchange: string; routingKey: string }) => step(`queue.bind ${o.queue} ${o.exchange} ${o.routingKey}`, {}),
    basicQos: (o: { prefetchCount: number }) => step(`basic.qos ${o.prefetchCount}`, undefined),
    basicConsume: (queue: string, onMessage: Deliver, o: { autoAck: boolean }) => {
      deliver = onMessage;
      return step(`basic.consume ${queue} autoAck=${String(o.autoAck)}`, 'ctag-1');
    },
    basicCancel: (tag: string) => step(`basic.cancel ${tag}`, undefined),
    close: () => {
      channel.state = 'CLOSED';
      channel.isOpen = false;
      return step('channel.close', undefined);
    },
  };
  const host = {
    channel: async () => {
      calls.push('channel.open');
      return channel as unknown as AmqpChannel;
    },
  } as unknown as AmqpConnectionHost;
  const push = (tag: number, body = Buffer.from('{}')) =>
    deliver?.(channel, { deliveryTag: tag, redelivered: false, exchange: '', routingKey: 'k', consumerTag: 'ctag-1' }, {}, body);
  return { calls, host, push };
}

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

function spec(overrides: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return {
    label: 'test consumer',
    topology: {
      queue: 'orders',
      declare: { passive: false, durable: true, exclusive: false, autoDelete: false, arguments: {} },
      exchange: { name: 'events', type: 'topic', durable: true, autoDelete: false, internal: false, arguments: {} },
      bindings: [
        { exchange: 'events', routingKey: 'order.*' },
        { exchange: 'audit', routingKey: '' },
      ],
    },
    prefetch: 7,
    autoAck: false,
    confirm: false,
    ...overrides,
  };
}

describe('ConsumerRunner start-up', () => {
  it('runs the steps in order: channel-open, exchange, queue, bindings, qos, consume', async () => {
    const { calls, host } = scriptedChannel();
    const runner = new ConsumerRunner(spec(), host, async () => undefined, silent, () => undefined);
    await runner.start();
    expect(calls).toEqual([
      'channel.open',
      'exchange.declare events',
      'queue.declare orders',
      'queue.bind orders events order.*',
      'queue.bind orders audit ',
      'basic.qos 7',
      'basic.consume orders autoAck=false',
    ]);
    expect(runner.isConsuming).toBe(true);
  });

  it('puts the channel in confirm mode first when retries republish, and uses the broker\'s name for a server-named queue', async () => {
    const { calls, host } = scriptedChannel();
    const named = spec({ confirm: true, autoAck: true, topology: { ...spec().topology, queue: '', exchange: undefined, bindings: [{ exchange: 'fan', routingKey: '' }] } });
    const runner = new ConsumerRunner(named, host, async () => undefined, silent, () => undefined);
    await runner.start();
    expect(calls).toEqual(['channel.open', 'confirm.select', 'queue.declare ', 'queue.bind amq.gen-1 fan ', 'basic.qos 7', 'basic.consume amq.gen-1 autoAck=true']);
    expect(runner.queue).toBe('amq.gen-1');
  });

  it('a refused step rejects with an error naming the queue and the step, and closes the channel', async () => {
    const { calls, host } = scriptedChannel('queue.declare');
    const runner = new ConsumerRunner(spec(), host, async () => undefined, silent, () => undefined);
    let caught: unknown;
    try {
      await runner.start();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ChannelClosedError);
    expect((caught as Error).message).toBe(
      `cannot start the consumer of queue "orders": declaring it failed with 406 PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'`,
    );
    expect(calls).toEqual(['channel.open', 'exchange.declare events', 'queue.declare orders', 'channel.close']);
    expect(runner.isConsuming).toBe(false);
  });
});

describe('ConsumerRunner under a byte bound', () => {
  it('consumes with a prefetch of 1 first; the first body sizes the window: cancel, then qos and consume again once it has finished', async () => {
    const { calls, host, push } = scriptedChannel();
    const releases: Array<() => void> = [];
    const onDelivery: DeliveryHandler = () => new Promise<void>((resolve) => releases.push(resolve));
    const runner = new ConsumerRunner(spec({ prefetch: 40, maxInFlightBytes: 4 * 1024 * 1024, boundGiven: true }), host, onDelivery, silent, () => undefined);
    await runner.start();
    expect(calls.slice(-2)).toEqual(['basic.qos 1', 'basic.consume orders autoAck=false']);
    push(1, Buffer.alloc(1024 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(-1)).toEqual(['basic.cancel ctag-1']);
    expect(runner.isConsuming).toBe(true);
    releases[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(-2)).toEqual(['basic.qos 4', 'basic.consume orders autoAck=false']);
  });

  it('under the default bound it starts at its prefetch, lowered only when bodies require it', async () => {
    const { calls, host, push } = scriptedChannel();
    const releases: Array<() => void> = [];
    const onDelivery: DeliveryHandler = () => new Promise<void>((resolve) => releases.push(resolve));
    const runner = new ConsumerRunner(spec({ prefetch: 40, maxInFlightBytes: 256 * 1024 * 1024 }), host, onDelivery, silent, () => undefined);
    await runner.start();
    push(1);
    expect(calls.slice(-2)).toEqual(['basic.qos 40', 'basic.consume orders autoAck=false']);
    push(2, Buffer.alloc(16 * 1024 * 1024));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(-1)).toEqual(['basic.cancel ctag-1']);
    releases.forEach((release) => release());
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.slice(-2)).toEqual(['basic.qos 16', 'basic.consume orders autoAck=false']);
  });

  it('paused by the app while the window changed: resume() asks for the new window before consuming', async () => {
    const { calls, host, push } = scriptedChannel();
    const releases: Array<() => void> = [];
    const onDelivery: DeliveryHandler = () => new Promise<void>((resolve) => releases.push(resolve));
    const runner = new ConsumerRunner(spec({ prefetch: 40, maxInFlightBytes: 4 * 1024 * 1024, boundGiven: true }), host, onDelivery, silent, () => undefined);
    await runner.start();
    push(1, Buffer.alloc(1024 * 1024));
    await runner.pause();
    releases[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.filter((call) => call.startsWith('basic.qos'))).toEqual(['basic.qos 1']);
    await runner.resume();
    expect(calls.slice(-2)).toEqual(['basic.qos 4', 'basic.consume orders autoAck=false']);
  });

  it('a stream consumer keeps its configured prefetch', async () => {
    const { calls, host } = scriptedChannel();
    const runner = new ConsumerRunner(spec({ prefetch: 40, maxInFlightBytes: 4 * 1024 * 1024, boundGiven: true, stream: true }), host, async () => undefined, silent, () => undefined);
    await runner.start();
    expect(calls).toContain('basic.qos 40');
  });
});

describe('ConsumerRunner in-flight tracking', () => {
  it('drain waits for running deliveries; cancel stops consuming first', async () => {
    const { calls, host, push } = scriptedChannel();
    const releases: Array<() => void> = [];
    const onDelivery: DeliveryHandler = () => new Promise<void>((resolve) => releases.push(resolve));
    const runner = new ConsumerRunner(spec(), host, onDelivery, silent, () => undefined);
    await runner.start();
    push(1);
    push(2);
    expect(runner.inFlightCount).toBe(2);
    await runner.cancel();
    expect(calls[calls.length - 1]).toBe('basic.cancel ctag-1');
    expect(await runner.drain(20)).toBe(false);
    releases.forEach((release) => release());
    expect(await runner.drain(1_000)).toBe(true);
    expect(runner.inFlightCount).toBe(0);
    await runner.close();
    expect(calls[calls.length - 1]).toBe('channel.close');
  });

  it('a delivery handler that rejects is logged, not thrown, and leaves the in-flight set', async () => {
    const { host, push } = scriptedChannel();
    const errors: string[] = [];
    const logger: LoggerService = { ...silent, error: (message: string) => errors.push(message) };
    const runner = new ConsumerRunner(spec(), host, () => Promise.reject(new Error('dispatcher bug')), logger, () => undefined);
    await runner.start();
    push(1);
    expect(await runner.drain(1_000)).toBe(true);
    expect(errors).toEqual(['handling a delivery of test consumer failed: dispatcher bug']);
  });
});

describe('ConsumerRunner consumer_timeout warning', () => {
  it('warns once for a handler still running at 80% of consumerTimeoutMs, not for one that finished', async () => {
    const { host, push } = scriptedChannel();
    const warnings: string[] = [];
    const logger: LoggerService = { ...silent, warn: (line: string) => warnings.push(line) };
    const releases = new Map<number, () => void>();
    const onDelivery: DeliveryHandler = (message) =>
      new Promise<void>((resolve) => releases.set(message.fields.deliveryTag, resolve));
    const runner = new ConsumerRunner(spec({ consumerTimeoutMs: 50 }), host, onDelivery, logger, () => undefined);
    await runner.start();
    push(1);
    push(2);
    releases.get(2)?.();
    // Waits for the warning itself (no assertion on how long it took).
    while (warnings.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^test consumer: the handler of queue "orders", delivery 1, .*has run for \d+ ms, 80% of consumerTimeoutMs 50/);
    releases.get(1)?.();
    expect(await runner.drain(1_000)).toBe(true);
    await runner.close();
  });
});
