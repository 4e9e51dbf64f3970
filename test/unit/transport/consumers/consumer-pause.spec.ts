import { describe, it, expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { InvalidStateError } from '../../../../lib/protocol/errors.js';
import type { AmqpChannel, AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { ConsumerRunner } from '../../../../lib/transport/consume/consumer-runner.js';
import type { ConsumerSpec } from '../../../../lib/transport/consume/consumer-specs.js';

/** A channel that records basic.consume / basic.cancel and can be suspended like a recovering one. */
function recordingChannel() {
  const calls: string[] = [];
  let tags = 0;
  const channel = {
    state: 'OPEN',
    isOpen: true,
    addOnCloseCallback: () => undefined,
    addOnCancelCallback: () => undefined,
    queueDeclare: async (o: { queue: string }) => ({ queue: o.queue, messageCount: 0, consumerCount: 0 }),
    basicQos: async () => undefined,
    basicConsume: async (queue: string, _onMessage: unknown, o: { consumerTag?: string }) => {
      tags += 1;
      calls.push(`consume ${queue}${o.consumerTag === undefined ? '' : ` tag=${o.consumerTag}`}`);
      return o.consumerTag ?? `ctag-${tags}`;
    },
    basicCancel: async (tag: string) => {
      calls.push(`cancel ${tag}`);
    },
    close: async () => {
      channel.state = 'CLOSED';
      channel.isOpen = false;
    },
  };
  const host = { channel: async () => channel as unknown as AmqpChannel } as unknown as AmqpConnectionHost;
  return { calls, channel, host };
}

const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

function spec(overrides: Partial<ConsumerSpec> = {}, autoDelete = false): ConsumerSpec {
  return {
    label: 'test consumer',
    name: 'Test.consumer',
    topology: { queue: 'jobs', declare: { passive: false, durable: true, exclusive: false, autoDelete, arguments: {} }, bindings: [] },
    prefetch: 10,
    autoAck: false,
    confirm: false,
    ...overrides,
  };
}

describe('ConsumerRunner pause / resume', () => {
  it('pause cancels on the same channel, resume consumes again there; health expects it only while active', async () => {
    const { calls, host } = recordingChannel();
    const runner = new ConsumerRunner(spec(), host, async () => undefined, silent, () => undefined);
    await runner.start();
    expect(runner.state).toBe('consuming');
    await runner.pause();
    expect(runner.state).toBe('paused');
    expect(runner.isExpected).toBe(false);
    expect(runner.isConsuming).toBe(false);
    await runner.resume();
    expect(runner.state).toBe('consuming');
    expect(runner.isExpected).toBe(true);
    expect(calls).toEqual(['consume jobs', 'cancel ctag-1', 'consume jobs']);
  });

  it('keeps a fixed consumer tag across pause and resume', async () => {
    const { calls, host } = recordingChannel();
    const runner = new ConsumerRunner(spec({ consumerTag: 'mine' }), host, async () => undefined, silent, () => undefined);
    await runner.start();
    await runner.pause();
    await runner.resume();
    expect(calls).toEqual(['consume jobs tag=mine', 'cancel mine', 'consume jobs tag=mine']);
    expect(runner.tag).toBe('mine');
  });

  it('is idempotent, and quick toggles end in the state of the last call', async () => {
    const { calls, host } = recordingChannel();
    const runner = new ConsumerRunner(spec(), host, async () => undefined, silent, () => undefined);
    await runner.start();
    await Promise.all([runner.pause(), runner.pause(), runner.resume(), runner.pause()]);
    expect(runner.state).toBe('paused');
    await runner.resume();
    await runner.resume();
    expect(calls).toEqual(['consume jobs', 'cancel ctag-1', 'consume jobs', 'cancel ctag-2', 'consume jobs']);
  });

  it('reports recovering while the channel is suspended, and paused stays paused through it', async () => {
    const { channel, host } = recordingChannel();
    const runner = new ConsumerRunner(spec(), host, async () => undefined, silent, () => undefined);
    await runner.start();
    channel.state = 'SUSPENDED';
    expect(runner.state).toBe('recovering');
    await runner.pause();
    expect(runner.state).toBe('paused');
    channel.state = 'OPEN';
    expect(runner.state).toBe('paused');
  });

  it('refuses to pause an auto-delete queue (the broker would delete it) and anything stopped', async () => {
    const { host } = recordingChannel();
    const autoDeleted = new ConsumerRunner(spec({}, true), host, async () => undefined, silent, () => undefined);
    await autoDeleted.start();
    await expect(autoDeleted.pause()).rejects.toThrow(/auto-delete/);
    const stopped = new ConsumerRunner(spec(), recordingChannel().host, async () => undefined, silent, () => undefined);
    await stopped.start();
    await stopped.cancel();
    await expect(stopped.pause()).rejects.toBeInstanceOf(InvalidStateError);
    await expect(stopped.resume()).rejects.toThrow(/stopped/);
    expect(stopped.isExpected).toBe(false);
  });
});
