/**
 * RecoveringConnection over a scripted fake engine: what a recovery restores and in which order
 * (channels, topology, consumers with their tags), and how it goes on or starts over when a part of
 * the restore fails.
 */
import { describe, expect, it } from '@jest/globals';
import { ChannelClosedError } from '../../../lib/protocol/index.js';
import { FakeBroker } from './fake-broker.js';
import { open, until } from './recovery-harness.js';

describe('RecoveringConnection over a fake engine', () => {
  it('restores channels (qos, confirms), exchanges, queues, bindings, then consumers with their tags', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.basicQos({ prefetchCount: 50 });
    await channel.confirmDelivery();
    await channel.exchangeDeclare({ exchange: 'orders', exchangeType: 'topic' });
    await channel.exchangeDeclare({ exchange: 'orders', passive: true });
    const named = await channel.queueDeclare({ queue: 'work', durable: true });
    const temp = await channel.queueDeclare({ queue: '', exclusive: true });
    await channel.queueBind({ queue: 'work', exchange: 'orders', routingKey: 'a.*' });
    await channel.queueBind({ queue: temp.queue, exchange: 'orders', routingKey: 'b.*' });
    await channel.basicConsume(named.queue, () => undefined, { consumerTag: 'mine' });
    const serverTag = await channel.basicConsume(temp.queue, () => undefined);
    const renamed: string[][] = [];
    connection.on('queueNameChanged', (from, to) => renamed.push([from, to]));
    const events: string[] = [];
    connection.on('recovering', () => events.push('recovering'));
    connection.on('recovered', () => events.push('recovered'));

    broker.log.length = 0;
    broker.current.kill();
    expect(connection.isRecovering).toBe(true);
    expect(channel.state).toBe('SUSPENDED');
    await until(() => connection.state === 'OPEN', 'recovery');

    expect(events).toEqual(['recovering', 'recovered']);
    expect(broker.log).toEqual([
      'c2.ch1 open',
      'c2.ch1 basic.qos 50',
      'c2.ch1 confirm.select',
      'c2.ch2 open',
      'c2.ch2 exchange.declare orders',
      'c2.ch2 queue.declare work',
      'c2.ch2 queue.declare amq.gen-2',
      'c2.ch2 queue.bind orders->work a.*',
      'c2.ch2 queue.bind orders->amq.gen-2 b.*',
      'c2.ch2 queue.declare work passive',
      'c2.ch1 basic.consume work mine',
      'c2.ch2 queue.declare amq.gen-2 passive',
      `c2.ch1 basic.consume amq.gen-2 ${serverTag}`,
      'c2.ch2 close',
    ]);
    expect(renamed).toEqual([['amq.gen-1', 'amq.gen-2']]);
    expect(channel.state).toBe('OPEN');
    expect(channel.generation).toBe(2);
    expect(connection.recoveries).toBe(1);
  });

  it('starts over when the new connection dies during the restore', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'q' });
    let attemptFailures = 0;
    connection.on('recoveryAttemptFailed', () => (attemptFailures += 1));
    // The second connection dies right after it re-declared the queue.
    broker.after.set('c2.ch2 queue.declare q', () => broker.connections[1]?.kill());
    broker.current.kill();
    await until(() => connection.recoveries === 1, 'recovery');
    expect(attemptFailures).toBe(1);
    expect(broker.connections).toHaveLength(3);
    expect(broker.log).toContain('c3.ch2 queue.declare q');
    expect(connection.unwrap()).toBe(broker.current);
    expect(channel.isOpen).toBe(true);
  });

  it('goes on after an entity that cannot be restored, reporting it', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'bad' });
    await channel.queueDeclare({ queue: 'good' });
    const reported: string[] = [];
    connection.on('topologyRecoveryError', (_error, what) => reported.push(what));
    broker.failDeclare.set(
      'bad',
      () =>
        new ChannelClosedError(2, { replyCode: 406, replyText: 'PRECONDITION_FAILED', initiator: 'broker' }),
    );
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(reported).toEqual(['queue bad']);
    expect(broker.log).toContain('c2.ch3 queue.declare good');
  });

  it('skips a consumer whose queue is gone, without closing its channel', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.basicConsume('deleted-elsewhere', () => undefined, { consumerTag: 'orphan' });
    await channel.basicConsume('still-there', () => undefined, { consumerTag: 'kept' });
    const reported: string[] = [];
    connection.on('topologyRecoveryError', (error, what) => reported.push(`${what}: ${error.message}`));
    broker.missing.add('deleted-elsewhere');
    broker.log.length = 0;
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(reported).toEqual([expect.stringMatching(/^consumer orphan on deleted-elsewhere: .*404/)]);
    expect(broker.log.filter((l) => l.includes('basic.consume'))).toEqual([
      'c2.ch1 basic.consume still-there kept',
    ]);
    expect(channel.isOpen).toBe(true);
    // Forgotten: the next recovery does not look for it again.
    broker.log.length = 0;
    broker.current.kill();
    await until(() => connection.recoveries === 2, 'second recovery');
    expect(broker.log.some((l) => l.includes('deleted-elsewhere'))).toBe(false);
  });

  it('retries the attempt when an exclusive queue is still locked by the dead connection (405)', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'mine-only', exclusive: true });
    let locked = true;
    broker.failDeclare.set('mine-only', () => {
      if (!locked) return undefined;
      locked = false;
      return new ChannelClosedError(2, { replyCode: 405, replyText: 'RESOURCE_LOCKED', initiator: 'broker' });
    });
    const failures: unknown[] = [];
    connection.on('recoveryAttemptFailed', (error) => failures.push(error));
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(failures).toHaveLength(1);
    expect((failures[0] as ChannelClosedError).replyCode).toBe(405);
    expect(broker.connections).toHaveLength(3);
    expect(broker.log).toContain('c3.ch2 queue.declare mine-only');
    expect(channel.isOpen).toBe(true);
  });
});
