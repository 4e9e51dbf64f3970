/**
 * RecoveringChannel over a scripted fake engine: deliveries and their tags across a loss, which
 * consumers are restored, and calls made while the connection is down.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ChannelClosedError,
  StaleDeliveryError,
  BodyTooLargeError,
  OversizeMessageError,
  type BasicDeliver,
} from '../../../lib/protocol/index.js';
import { FakeBroker } from './fake-broker.js';
import { engineChannel, open, until } from './recovery-harness.js';

describe('RecoveringChannel over a fake engine', () => {
  it("keeps a consumer's oversize: 'deliver' across a recovery and hands it the OversizeMessageError", async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    const seen: Array<[number, number, OversizeMessageError | undefined]> = [];
    await channel.basicConsume('q', (_c, method, _p, body, oversize) => seen.push([method.deliveryTag, body.length, oversize]), {
      consumerTag: 'big',
      oversize: 'deliver',
    });
    expect(engineChannel(channel).oversizeModes.get('big')).toBe('deliver');
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    const fresh = engineChannel(channel);
    expect(fresh.oversizeModes.get('big')).toBe('deliver');
    const error = new OversizeMessageError(new BodyTooLargeError(100, 10, 1), { channel: 1, method: 'basic.deliver', deliveryTag: 1, consumerTag: 'big', outcome: 'delivered' });
    fresh.deliverOversize('big', error);
    expect(seen).toEqual([[expect.any(Number), 0, error]]);
    await connection.close();
  });

  it('shifts delivery tags across generations and refuses acks of a dead channel', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    const seen: BasicDeliver[] = [];
    await channel.basicConsume('q', (_c, method) => seen.push(method), { consumerTag: 'c' });
    engineChannel(channel).deliver('c', 'one');
    engineChannel(channel).deliver('c', 'two');
    expect(seen.map((m) => m.deliveryTag)).toEqual([1, 2]);
    channel.basicAck(1);

    broker.current.kill();
    expect(() => channel.basicAck(2)).toThrow(StaleDeliveryError);
    await until(() => connection.state === 'OPEN', 'recovery');
    const fresh = engineChannel(channel);
    fresh.deliver('c', 'two', true);
    expect(seen[2]).toMatchObject({ deliveryTag: 3, redelivered: true, consumerTag: 'c' });

    let stale: unknown;
    try {
      channel.basicAck(2);
    } catch (error) {
      stale = error;
    }
    expect(stale).toBeInstanceOf(StaleDeliveryError);
    expect((stale as StaleDeliveryError).deliveryTag).toBe(2);
    expect(() => channel.basicReject(1)).toThrow(StaleDeliveryError);
    channel.basicAck(3);
    channel.basicNack(0, { multiple: true });
    expect(fresh.acks).toEqual([{ tag: 1, multiple: false }]);
    expect(broker.log).toContain('c2.ch1 basic.nack 0');
    const got = await channel.basicGet('q');
    expect(got?.method.deliveryTag).toBe(4);
  });

  it('acks deliveries that the new channel sends while the restore is still running', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    const statesAtDelivery: string[] = [];
    await channel.basicConsume(
      'q',
      (c, method) => {
        statesAtDelivery.push(`${connection.state}/${c.state}`);
        c.basicAck(method.deliveryTag);
      },
      { consumerTag: 'c' },
    );
    engineChannel(channel).deliver('c', 'before');
    // The broker starts delivering as soon as the consumer is back, before the restore is over.
    broker.after.set('c2.ch1 basic.consume q c', () => engineChannel(channel).deliver('c', 'early'));
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(statesAtDelivery).toEqual(['OPEN/OPEN', 'RECOVERING/SUSPENDED']);
    expect(engineChannel(channel).acks).toEqual([{ tag: 1, multiple: false }]);
    expect(broker.connections[0]?.channels[0]?.acks).toEqual([{ tag: 1, multiple: false }]);
  });

  it('a channel error on a live connection closes only that channel, for good, and its consumers are not restored', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const doomed = await connection.channel();
    const kept = await connection.channel();
    await doomed.basicConsume('q1', () => undefined, { consumerTag: 'gone' });
    await kept.basicConsume('q2', () => undefined, { consumerTag: 'stays' });
    const closes: unknown[] = [];
    doomed.addOnCloseCallback((_c, error) => closes.push(error));
    const error = new ChannelClosedError(1, { replyCode: 404, replyText: 'NOT_FOUND', initiator: 'broker' });
    engineChannel(doomed).end(error);
    expect(closes).toEqual([error]);
    await expect(doomed.queueDeclare({ queue: 'x' })).rejects.toBe(error);
    broker.log.length = 0;
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(broker.log.filter((line) => line.includes('basic.consume'))).toEqual([
      'c2.ch1 basic.consume q2 stays',
    ]);
  });

  it('a consumer cancelled by the broker or by the user is not restored; its auto-delete queue is forgotten', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'auto', autoDelete: true });
    await channel.queueDeclare({ queue: 'keep', durable: true });
    await channel.basicConsume('auto', () => undefined, { consumerTag: 'a' });
    await channel.basicConsume('keep', () => undefined, { consumerTag: 'k' });
    const cancelled: string[] = [];
    channel.addOnCancelCallback((tag) => cancelled.push(tag));
    engineChannel(channel).cancel('k');
    await channel.basicCancel('a');
    expect(cancelled).toEqual(['k']);
    broker.log.length = 0;
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(broker.log.some((line) => line.includes('basic.consume'))).toBe(false);
    expect(broker.log.some((line) => line.includes('queue.declare auto'))).toBe(false);
    expect(broker.log).toContain('c2.ch2 queue.declare keep');
  });

  it('calls made during the outage wait for the recovery; a cancel during it only forgets', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.basicConsume('q', () => undefined, { consumerTag: 't' });
    broker.current.kill();
    await channel.basicCancel('t');
    const declared = channel.queueDeclare({ queue: 'made-while-down' });
    const opened = connection.channel();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect((await declared).queue).toBe('made-while-down');
    expect((await opened).isOpen).toBe(true);
    expect(broker.log.filter((l) => l.includes('basic.consume') || l.includes('basic.cancel'))).toEqual([
      'c1.ch1 basic.consume q t',
    ]);
    expect(broker.log).toContain('c2.ch1 queue.declare made-while-down');
  });
});
