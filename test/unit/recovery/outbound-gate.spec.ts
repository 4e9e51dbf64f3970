/**
 * The outbound gate over a fake engine whose socket goes over its high-water mark on command: what
 * waits, in which order it goes, what bounds it, and what the caller sees (isWritable, 'drain', the
 * publish promise waiting).
 */
import { describe, expect, it } from '@jest/globals';
import { ConnectionParameters, OutageBudgetError } from '../../../lib/protocol/index.js';
import { RecoveringConnection, type RecoveryOptions } from '../../../lib/protocol/recovery/index.js';
import { FakeBroker } from './fake-broker.js';
import type { FakeChannel } from './fake-channel.js';

async function open(broker: FakeBroker, recovery: RecoveryOptions = {}): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(new ConnectionParameters({ host: 'node-a' }), {
    connector: broker.connector,
    random: () => 0,
    recovery: { initialDelayMs: 1, ...recovery },
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Lets promise jobs run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the outbound gate', () => {
  it('past the mark, publishes wait in order with their promises, counted by the budget, and go as the socket drains', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    const engine = (): FakeChannel => channel.unwrap() as FakeChannel;
    const drains: boolean[] = [];
    connection.on('drain', () => drains.push(connection.isWritable));
    expect(connection.isWritable).toBe(true);
    await channel.basicPublish('', 'q', 'direct');
    broker.current.writable = false;
    expect(connection.isWritable).toBe(false);
    const settled: string[] = [];
    const waiting = ['w1', 'w2', 'w3', 'w4'].map((body) =>
      channel.basicPublish('', 'q', body).then(() => void settled.push(body)),
    );
    await settle();
    expect(engine().published).toEqual(['direct']);
    expect(settled).toEqual([]);
    expect(connection.outage).toMatchObject({ messages: 4, bytes: 8 });
    // Room for two: the gate stops at the mark again, the rest keeps waiting.
    broker.current.drain(2);
    await settle();
    expect(engine().published).toEqual(['direct', 'w1', 'w2']);
    expect(settled).toEqual(['w1', 'w2']);
    expect(drains).toEqual([]);
    // A publish made now queues behind the older ones, even once the socket has room.
    const late = channel.basicPublish('', 'q', 'late');
    broker.current.drain();
    await Promise.all([...waiting, late]);
    expect(engine().published).toEqual(['direct', 'w1', 'w2', 'w3', 'w4', 'late']);
    expect(drains).toEqual([true]);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0 });
    await connection.close();
  });

  it('refuses what does not fit in the budget at once (buffering off too) and fails what waits past its deadline', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { publishBuffer: false, outage: { maxMessages: 2, deadlineMs: 30 } });
    const channel = await connection.channel();
    broker.current.writable = false;
    const first = channel.basicPublish('', 'q', 'a');
    const second = channel.basicPublish('', 'q', 'b');
    await expect(channel.basicPublish('', 'q', 'c')).rejects.toMatchObject({ bound: 'messages' });
    await expect(first).rejects.toBeInstanceOf(OutageBudgetError);
    await expect(second).rejects.toMatchObject({ bound: 'deadline', code: 'ERR_AMQP_OUTAGE_BUDGET' });
    expect((channel.unwrap() as FakeChannel).published).toEqual([]);
    expect(connection.outage).toMatchObject({ messages: 0, refused: { messages: 1, deadline: 2 } });
    await connection.close();
  });

  it('keeps what waits through a loss and sends it after the recovery, before anything newer', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { publishBuffer: true });
    const channel = await connection.channel();
    broker.current.writable = false;
    const gated = channel.basicPublish('', 'q', 'gated');
    broker.current.kill();
    const buffered = channel.basicPublish('', 'q', 'buffered');
    await until(() => connection.state === 'OPEN', 'recovery');
    await Promise.all([gated, buffered, channel.basicPublish('', 'q', 'after')]);
    expect((channel.unwrap() as FakeChannel).published).toEqual(['gated', 'buffered', 'after']);
    await connection.close();
  });

  it('fails what waits with the final error when the user closes', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    broker.current.writable = false;
    const waiting = channel.basicPublish('', 'q', 'never');
    await connection.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_AMQP_CONNECTION_CLOSED' });
    expect(connection.isWritable).toBe(false);
  });
});
