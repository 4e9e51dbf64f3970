/**
 * RecoveringConnection and RecoveringChannel driven through a scripted fake engine: what is restored
 * and in which order, when recovery starts, retries and gives up, and how publishes and acks behave
 * across a loss.
 */
import { describe, expect, it, jest } from '@jest/globals';
import {
  AuthenticationError,
  ChannelClosedError,
  ConnectionClosedError,
  ConnectionLostError,
  ConnectionParameters,
  InvalidStateError,
  PublishBufferFullError,
  RecoveryFailedError,
  StaleDeliveryError,
  BodyTooLargeError,
  OversizeMessageError,
  WriteTimeoutError,
  type BasicDeliver,
} from '../../../lib/protocol/index.js';
import {
  RecoveringConnection,
  type RecoveringChannel,
  type RecoveryOptions,
} from '../../../lib/protocol/recovery/index.js';
import { PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { FakeBroker } from './fake-broker.js';
import type { FakeChannel } from './fake-channel.js';

const hostA = new ConnectionParameters({ host: 'node-a', port: 5672 });
const hostB = new ConnectionParameters({ host: 'node-b', port: 5673 });

async function open(
  broker: FakeBroker,
  recovery: RecoveryOptions = {},
  hosts = [hostA],
): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(hosts, {
    connector: broker.connector,
    random: () => 0,
    recovery: { initialDelayMs: 1, ...recovery },
  });
}

/** Polls until `condition` holds (recovery runs on timers and promise chains). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function engineChannel(channel: RecoveringChannel): FakeChannel {
  return channel.unwrap() as FakeChannel;
}

function lost(): ConnectionClosedError {
  return new ConnectionClosedError({ replyCode: 320, replyText: 'CONNECTION_FORCED', initiator: 'broker' });
}

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

  it('does not recover a close it asked for; close callbacks run once with undefined', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, error) => closes.push(error),
    });
    const channel = await connection.channel();
    const channelCloses: unknown[] = [];
    channel.addOnCloseCallback((_c, error) => channelCloses.push(error));
    let recovering = false;
    connection.on('recovering', () => (recovering = true));
    await connection.close();
    await connection.close();
    expect(recovering).toBe(false);
    expect(closes).toEqual([undefined]);
    expect(channelCloses).toEqual([undefined]);
    expect(connection.state).toBe('CLOSED');
    expect(broker.connections).toHaveLength(1);
    await expect(connection.channel()).rejects.toBeInstanceOf(InvalidStateError);
    await connection.ioloop.start();
  });

  it('a refused login during recovery is final after one attempt', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.script.push(new AuthenticationError('ACCESS_REFUSED', 'guest'));
    broker.current.kill();
    const error = await failed;
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(AuthenticationError);
    expect(broker.dialed).toEqual(['node-a:5672', 'node-a:5672']);
    expect(connection.state).toBe('CLOSED');
  });

  it('credentials erased after connecting (eraseOnConnect) end the recovery after one attempt, no retry loop', async () => {
    const broker = new FakeBroker();
    const credentials = new PlainCredentials('app', 'secret', { eraseOnConnect: true });
    const connection = await RecoveringConnection.connect([new ConnectionParameters({ host: 'node-a', credentials })], {
      // Like the engine: a login asks the credentials for the SASL response, and erases them once open.
      connector: async (hosts) => {
        hosts[0]!.credentials.responseFor(['PLAIN']);
        const engine = await broker.connector(hosts);
        hosts[0]!.credentials.eraseCredentials();
        return engine;
      },
      random: () => 0,
      recovery: { initialDelayMs: 1 },
    });
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.current.kill();
    const error = await failed;
    expect(error.attempts).toBe(1);
    expect(error.cause).toBeInstanceOf(InvalidStateError);
    expect(connection.state).toBe('CLOSED');
  });

  it('a loss reported as a refused login is not recovered at all', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, e) => closes.push(e),
    });
    const refusal = new AuthenticationError('ACCESS_REFUSED');
    broker.current.kill(refusal);
    expect(connection.state).toBe('CLOSED');
    expect(closes).toEqual([refusal]);
    expect(broker.dialed).toHaveLength(1);
  });

  it('recovers a link the engine declared dead by the write timeout, with that cause', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const causes: unknown[] = [];
    connection.on('recovering', (cause) => causes.push(cause));
    const stalled = new WriteTimeoutError(30_000, 1_100_000);
    broker.current.kill(stalled);
    await until(() => connection.state === 'OPEN' && connection.recoveries === 1, 'recovery');
    expect(causes).toEqual([stalled]);
    await connection.close();
  });

  it('tries the other host first and goes round the list; gives up after maxAttempts passes', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { maxAttempts: 2 }, [hostA, hostB]);
    const channel = await connection.channel();
    const channelCloses: unknown[] = [];
    channel.addOnCloseCallback((_c, error) => channelCloses.push(error));
    const down = (): ConnectionLostError => new ConnectionLostError('ECONNREFUSED');
    broker.script.push(down(), down(), down(), down());
    const attempts: number[] = [];
    connection.on('recoveryAttemptFailed', (_e, attempt) => attempts.push(attempt));
    const failed = new Promise<RecoveryFailedError>((resolve) => connection.once('recoveryFailed', resolve));
    broker.current.kill();
    const error = await failed;
    expect(broker.dialed).toEqual([
      'node-a:5672',
      'node-b:5673',
      'node-a:5672',
      'node-a:5672',
      'node-b:5673',
    ]);
    expect(attempts).toEqual([1, 2]);
    expect(error.attempts).toBe(2);
    expect(error.cause).toBeInstanceOf(ConnectionLostError);
    expect(channelCloses).toEqual([error]);
    expect(channel.state).toBe('CLOSED');
  });

  it('logs in with the secret given to updateSecret when it recovers later', async () => {
    const broker = new FakeBroker();
    const logins: string[] = [];
    const connection = await RecoveringConnection.connect(
      [new ConnectionParameters({ host: 'node-a', credentials: new PlainCredentials('app', 'old-token') })],
      {
        connector: (hosts) => {
          logins.push(hosts[0]!.credentials.responseFor(['PLAIN'])!.toString('latin1'));
          return broker.connector(hosts);
        },
        random: () => 0,
        recovery: { initialDelayMs: 1 },
      },
    );
    await connection.updateSecret('new-token', 'rotated');
    broker.current.kill();
    await until(() => connection.state === 'OPEN' && broker.connections.length === 2, 'recovery');
    expect(logins).toEqual(['\0app\0old-token', '\0app\0new-token']);
    await connection.close();
  });

  it('reconnects to the surviving host of a cluster', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, {}, [hostA, hostB]);
    broker.script.push(new ConnectionLostError('ECONNREFUSED'));
    broker.current.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    expect(broker.dialed).toEqual(['node-a:5672', 'node-b:5673', 'node-a:5672']);
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

  it('an error listener that throws does not leave close() half done', async () => {
    const broker = new FakeBroker();
    const closes: unknown[] = [];
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      onClose: (_c, error) => closes.push(error),
    });
    connection.on('error', () => {
      throw new Error('error listener bug');
    });
    const channel = await connection.channel();
    const channelCloses: string[] = [];
    channel.addOnCloseCallback(() => {
      channelCloses.push('first');
      throw new Error('close callback bug');
    });
    channel.addOnCloseCallback(() => channelCloses.push('second'));
    await connection.close();
    await connection.ioloop.start();
    expect(channelCloses).toEqual(['first', 'second']);
    expect(closes).toEqual([undefined]);
    expect(connection.state).toBe('CLOSED');
  });

  it('a cancel callback that throws does not skip the others nor escape into the engine channel', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const warnings: unknown[] = [];
    connection.on('error', (error) => warnings.push(error));
    const channel = await connection.channel();
    await channel.basicConsume('work', () => undefined, { consumerTag: 'mine' });
    const cancelled: string[] = [];
    channel.addOnCancelCallback(() => {
      cancelled.push('first');
      throw new Error('cancel callback bug');
    });
    channel.addOnCancelCallback((tag) => cancelled.push(`second ${tag}`));
    expect(() => engineChannel(channel).cancel('mine')).not.toThrow();
    expect(cancelled).toEqual(['first', 'second mine']);
    expect(warnings).toHaveLength(1);
    expect((warnings[0] as Error).message).toBe('cancel callback bug');
    await connection.close();
  });

  it('with recovery off, a loss closes it for good', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { enabled: false });
    const channel = await connection.channel();
    const error = lost();
    const closed = new Promise((resolve) => connection.once('close', resolve));
    broker.current.kill(error);
    expect(await closed).toBe(error);
    expect(channel.state).toBe('CLOSED');
    expect(broker.dialed).toHaveLength(1);
  });

  it('closing during a recovery stops it', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker, { initialDelayMs: 10_000 });
    const channel = await connection.channel();
    const pending = channel.queueDeclare({ queue: 'later' });
    broker.current.kill();
    const waiting = channel.queueDeclare({ queue: 'waits' });
    await connection.close();
    await expect(waiting).rejects.toBeInstanceOf(InvalidStateError);
    await pending;
    expect(broker.dialed).toHaveLength(1);
    expect(connection.state).toBe('CLOSED');
  });

  it('closing while a restore runs ends the recovery without another backoff', async () => {
    const broker = new FakeBroker();
    // The first delay is about 1 ms; any later one about a minute.
    const connection = await RecoveringConnection.connect(hostA, {
      connector: broker.connector,
      random: () => 0.999,
      recovery: { initialDelayMs: 1, multiplier: 100_000, maxDelayMs: 60_000 },
    });
    const channel = await connection.channel();
    await channel.queueDeclare({ queue: 'q' });
    let closing: Promise<void> | undefined;
    broker.after.set('c2.ch2 queue.declare q', () => {
      closing = connection.close();
    });
    const timers = jest.spyOn(globalThis, 'setTimeout');
    try {
      broker.current.kill();
      await until(() => closing !== undefined, 'close during restore');
      await closing;
      await connection.ioloop.start();
      await until(() => true, 'the recovery loop to see the close');
      // No backoff of a further attempt was started (each would be about a minute).
      expect(timers.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 1_000)).toEqual([]);
    } finally {
      timers.mockRestore();
    }
    expect(connection.state).toBe('CLOSED');
    expect(broker.connections).toHaveLength(2);
    expect(broker.connections.every((c) => !c.isOpen)).toBe(true);
  });

  it('forwards blocked notifications of whichever engine connection is current', async () => {
    const broker = new FakeBroker();
    const connection = await open(broker);
    const reasons: string[] = [];
    connection.addOnConnectionBlockedCallback((_c, reason) => reasons.push(reason));
    broker.current.block('low on memory');
    const first = broker.current;
    first.kill();
    await until(() => connection.state === 'OPEN', 'recovery');
    first.block('stale');
    broker.current.block('disk');
    expect(reasons).toEqual(['low on memory', 'disk']);
  });
});

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
