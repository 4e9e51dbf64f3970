/**
 * RecoveringChannel over a scripted fake engine: how publishes behave across a loss (rejected,
 * retried, held in the outage buffer, refused).
 */
import { describe, expect, it } from '@jest/globals';
import {
  ChannelClosedError,
  ConnectionLostError,
  InvalidStateError,
  PublishBufferFullError,
  RecoveryFailedError,
} from '../../../lib/protocol/index.js';
import { FakeBroker } from './fake-broker.js';
import { engineChannel, lost, open, until } from './recovery-harness.js';

describe('RecoveringChannel over a fake engine', () => {
  it('a plain publish on the wire rejects with the loss; publishWithRetry sends it again and resolves on the new ack', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const plain = channel.basicPublish('', 'q', 'plain');
    const retried: Array<[unknown, number]> = [];
    const withRetry = channel.publishWithRetry('', 'q', 'retried', undefined, undefined, {
      onRetry: (e, n) => retried.push([e, n]),
    });
    let settled = false;
    void withRetry.then(() => (settled = true));
    const error = lost();
    broker.current.kill(error);
    await expect(plain).rejects.toBe(error);
    await until(() => connection.state === 'OPEN', 'recovery');
    await until(() => engineChannel(channel).published.includes('retried'), 're-send');
    expect(settled).toBe(false);
    expect(retried).toEqual([[error, 1]]);
    engineChannel(channel).ackAll();
    await withRetry;
    expect(engineChannel(channel).published).toEqual(['retried']);
  });

  it('publishWithRetry does not retry what a retry cannot fix', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const publish = channel.publishWithRetry('nowhere', 'k', 'x');
    const notFound = new ChannelClosedError(1, {
      replyCode: 404,
      replyText: 'NOT_FOUND - no exchange',
      initiator: 'broker',
    });
    engineChannel(channel).end(notFound);
    await expect(publish).rejects.toBe(notFound);
    expect(channel.state).toBe('CLOSED');
    expect(connection.state).toBe('OPEN');
  });

  it('holds publishes during the outage up to the bound and sends them in order before new ones', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { publishBuffer: true, outage: { maxMessages: 2 } });
    const channel = await connection.channel();
    broker.current.kill();
    const first = channel.basicPublish('', 'q', 'held-1');
    const second = channel.basicPublish('', 'q', 'held-2');
    await expect(channel.basicPublish('', 'q', 'over')).rejects.toMatchObject({ bound: 'messages', code: 'ERR_AMQP_OUTAGE_BUDGET' });
    expect(connection.bufferedPublishes).toEqual({ messages: 2, bytes: 12 });
    await until(() => connection.state === 'OPEN', 'recovery');
    await channel.basicPublish('', 'q', 'after');
    await Promise.all([first, second]);
    expect(engineChannel(channel).published).toEqual(['held-1', 'held-2', 'after']);
  });

  it('with buffering off, a publish during the outage rejects at once', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { initialDelayMs: 10_000 });
    const channel = await connection.channel();
    broker.current.kill();
    await expect(channel.basicPublish('', 'q', 'x')).rejects.toBeInstanceOf(PublishBufferFullError);
    await connection.close();
  });

  it('a publish while the user closes the connection is refused as closing, not buffered', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { publishBuffer: true, outage: { maxMessages: 5 } });
    const channel = await connection.channel();
    const closing = connection.close();
    await expect(channel.basicPublish('', 'q', 'late')).rejects.toBeInstanceOf(InvalidStateError);
    await closing;
    expect(connection.bufferedPublishes.messages).toBe(0);
  });

  it('buffered publishes fail with the final error when recovery gives up', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { maxAttempts: 1, publishBuffer: true, outage: { maxMessages: 5 } });
    const channel = await connection.channel();
    broker.script.push(new ConnectionLostError('ECONNREFUSED'));
    broker.current.kill();
    const held = channel.basicPublish('', 'q', 'x');
    await expect(held).rejects.toBeInstanceOf(RecoveryFailedError);
  });
});
