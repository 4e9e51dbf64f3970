import { describe, it, expect } from '@jest/globals';
import { encodeMethodFrame } from '../../../lib/protocol/codec/index.js';
import {
  AuthenticationError,
  BodyTooLargeError,
  BlockedConnectionTimeoutError,
  ConnectionClosedError,
  ConnectionLostError,
  ConnectionStateError,
  FrameError,
  HeartbeatTimeoutError,
  InvalidArgumentError,
  TimeoutError,
} from '../../../lib/protocol/errors.js';
import { PlainCredentials } from '../../../lib/protocol/parameters/index.js';
import { MachineHarness } from './machine-harness.js';

const START = {
  versionMajor: 0,
  versionMinor: 9,
  serverProperties: { product: 'RabbitMQ', version: '3.10.0' },
  mechanisms: 'AMQPLAIN PLAIN',
  locales: 'en_US',
};

describe('ConnectionMachine bring-up', () => {
  it('walks INIT -> PROTOCOL -> START -> TUNE -> OPEN writing header, start-ok, tune-ok + open', () => {
    const h = new MachineHarness({
      credentials: new PlainCredentials('alice', 's3cret'),
      virtualHost: 'orders',
      connectionName: 'billing-worker',
      locale: 'en_GB',
    });
    expect(h.machine.state).toBe('INIT');
    h.machine.connected();
    expect(h.machine.state).toBe('PROTOCOL');
    expect(h.sentNames()).toEqual(['protocol-header']);

    h.broker('connection.start', START);
    expect(h.machine.state).toBe('START');
    expect(h.machine.serverProperties).toEqual(START.serverProperties);
    const startOk = h.lastSent('connection.start-ok');
    expect(startOk.mechanism).toBe('PLAIN');
    expect(startOk.response).toBe('\0alice\0s3cret');
    expect(startOk.locale).toBe('en_GB');
    expect(startOk.clientProperties.connection_name).toBe('billing-worker');
    expect(startOk.clientProperties.product).toBe('nestjs-amqp-transport');
    expect(startOk.clientProperties.capabilities).toEqual({
      authentication_failure_close: true,
      'basic.nack': true,
      'connection.blocked': true,
      consumer_cancel_notify: true,
      exchange_exchange_bindings: true,
      publisher_confirms: true,
      per_consumer_qos: true,
    });

    h.broker('connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(h.machine.state).toBe('TUNE');
    expect(h.sentNames().slice(-2)).toEqual(['connection.tune-ok', 'connection.open']);
    expect(h.lastSent('connection.tune-ok')).toEqual({ channelMax: 2047, frameMax: 131072, heartbeat: 60 });
    expect(h.lastSent('connection.open').virtualHost).toBe('orders');

    expect(h.events).toEqual([]);
    h.broker('connection.open-ok', {});
    expect(h.machine.state).toBe('OPEN');
    expect(h.events).toEqual(['opened']);
    expect([h.machine.channelMax, h.machine.frameMax, h.machine.heartbeat]).toEqual([2047, 131072, 60]);
  });

  it('reaches OPEN the same when the broker bytes arrive one byte at a time', () => {
    const h = new MachineHarness();
    h.machine.connected();
    const stream = Buffer.concat([
      encodeMethodFrame(0, 'connection.start', START),
      encodeMethodFrame(0, 'connection.tune', { channelMax: 0, frameMax: 0, heartbeat: 0 }),
      encodeMethodFrame(0, 'connection.open-ok', {}),
    ]);
    for (let i = 0; i < stream.length; i += 1) h.brokerBytes(stream.subarray(i, i + 1));
    expect(h.machine.state).toBe('OPEN');
    expect(h.sentNames()).toEqual([
      'protocol-header',
      'connection.start-ok',
      'connection.tune-ok',
      'connection.open',
    ]);
  });

  it('merges user client properties over the defaults, capabilities key by key', () => {
    const h = new MachineHarness({ clientProperties: { product: 'mine', capabilities: { extra: true } } });
    h.machine.connected();
    h.broker('connection.start', START);
    const props = h.lastSent('connection.start-ok').clientProperties;
    expect(props.product).toBe('mine');
    expect(props.capabilities).toMatchObject({ extra: true, publisher_confirms: true, 'connection.blocked': true });
  });

  it('fails with InvalidArgumentError when the broker offers no mechanism the credentials use', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', { ...START, mechanisms: 'EXTERNAL AMQPLAIN' });
    expect(h.machine.state).toBe('CLOSED');
    const error = h.closedWith?.error;
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error?.message).toContain('EXTERNAL AMQPLAIN');
    expect(h.sentNames()).not.toContain('connection.start-ok');
  });

  it('answers connection.secure with secure-ok and stays in START', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.secure', { challenge: 'x' });
    expect(h.machine.state).toBe('START');
    expect(h.lastSent('connection.secure-ok').response).toBe('\0guest\0guest');
  });
});

describe('tune negotiation', () => {
  const cases: [string, { channelMax?: number; frameMax?: number; heartbeat?: number }, { channelMax: number; frameMax: number; heartbeat: number }, { channelMax: number; frameMax: number; heartbeat: number }][] = [
    ['smaller of both', { channelMax: 100, frameMax: 65536, heartbeat: 30 }, { channelMax: 2047, frameMax: 131072, heartbeat: 60 }, { channelMax: 100, frameMax: 65536, heartbeat: 30 }],
    ['broker smaller', {}, { channelMax: 2047, frameMax: 8192, heartbeat: 60 }, { channelMax: 2047, frameMax: 8192, heartbeat: 60 }],
    ['broker 0 = no limit (a heartbeat left to the broker falls back to 60)', { channelMax: 10 }, { channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 10, frameMax: 131072, heartbeat: 60 }],
    ['our heartbeat wins over the broker\'s 0', { heartbeat: 5 }, { channelMax: 0, frameMax: 0, heartbeat: 0 }, { channelMax: 65535, frameMax: 131072, heartbeat: 5 }],
    ['heartbeat 0 turns it off', { heartbeat: 0 }, { channelMax: 0, frameMax: 0, heartbeat: 60 }, { channelMax: 65535, frameMax: 131072, heartbeat: 0 }],
    ['our heartbeat wins even when larger', { heartbeat: 120 }, { channelMax: 0, frameMax: 0, heartbeat: 60 }, { channelMax: 65535, frameMax: 131072, heartbeat: 120 }],
  ];
  it.each(cases)('%s', (_name, ours, broker, expected) => {
    const h = new MachineHarness(ours);
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', broker);
    expect(h.lastSent('connection.tune-ok')).toEqual(expected);
    expect(h.machine.frameMax).toBe(expected.frameMax);
  });

  it('gives a heartbeat function the owner and the broker value, and uses its answer', () => {
    const calls: [unknown, number][] = [];
    const h = new MachineHarness({
      heartbeat: (owner, brokerValue) => {
        calls.push([owner, brokerValue]);
        return brokerValue / 2;
      },
    });
    h.open({ heartbeat: 40 });
    expect(calls).toEqual([[{ owner: true }, 40]]);
    expect(h.machine.heartbeat).toBe(20);
  });

  it('refuses a heartbeat function returning a non-integer', () => {
    const h = new MachineHarness({ heartbeat: () => 1.5 });
    h.open();
    expect(h.closedWith?.error).toBeInstanceOf(InvalidArgumentError);
    expect(h.closedWith?.error?.message).toContain('heartbeat');
  });

  it('refuses a broker offering frame_max below 4096 with connection.close 501', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', { channelMax: 0, frameMax: 2048, heartbeat: 0 });
    const error = h.closedWith?.error;
    expect(error).toBeInstanceOf(FrameError);
    expect(error?.message).toContain('2048');
    expect(h.lastSent('connection.close').replyCode).toBe(501);
    expect(h.sentNames()).not.toContain('connection.tune-ok');
  });
});

describe('closing', () => {
  it('turns a 403 close during START into AuthenticationError after answering close-ok', () => {
    const h = new MachineHarness({ credentials: new PlainCredentials('bob', 'wrong') });
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.close', { replyCode: 403, replyText: 'ACCESS_REFUSED - Login was refused', classId: 0, methodId: 0 });
    expect(h.machine.state).toBe('CLOSED');
    expect(h.sentNames().pop()).toBe('connection.close-ok');
    const error = h.closedWith?.error as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.replyCode).toBe(403);
    expect(error.message).toContain('"bob"');
    expect(error.message).not.toContain('wrong');
  });

  it('turns a 530 close during TUNE into ConnectionClosedError naming the virtual host', () => {
    const h = new MachineHarness({ virtualHost: 'no-such-vhost' });
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('connection.tune', { channelMax: 0, frameMax: 0, heartbeat: 0 });
    h.broker('connection.close', { replyCode: 530, replyText: 'NOT_ALLOWED - vhost no-such-vhost not found', classId: 10, methodId: 40 });
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.replyCode).toBe(530);
    expect(error.initiator).toBe('broker');
    expect(error.message).toContain('"no-such-vhost"');
  });

  it('answers a broker close while OPEN with close-ok and ends with the broker reason', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED - bye', classId: 0, methodId: 0 });
    expect(h.sentNames().pop()).toBe('connection.close-ok');
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error.replyCode).toBe(320);
    expect(error.replyText).toBe('CONNECTION_FORCED - bye');
    expect(error.initiator).toBe('broker');
    expect(h.closedWith?.graceful).toBe(true);
  });

  it('closes cleanly on our request: CLOSING until close-ok, then CLOSED with no error', () => {
    const h = new MachineHarness();
    h.open();
    h.machine.close(200, 'Normal shutdown');
    expect(h.machine.state).toBe('CLOSING');
    expect(h.lastSent('connection.close')).toMatchObject({ replyCode: 200, replyText: 'Normal shutdown' });
    // Channel traffic after close is refused (false: the caller must not count it as written), and so are blocked notifications.
    h.clearWritten();
    expect(h.machine.send(encodeMethodFrame(1, 'basic.ack', { deliveryTag: 1 }))).toBe(false);
    expect(h.written).toHaveLength(0);
    h.broker('basic.deliver', {}, 1);
    expect(h.channelMethods).toHaveLength(0);
    h.broker('connection.close-ok', {});
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith).toEqual({ error: undefined, graceful: true });
    expect(h.machine.closeReason).toMatchObject({ replyCode: 200, initiator: 'client' });
  });

  it('answers crossing closes (ours then the broker\'s) with close-ok', () => {
    const h = new MachineHarness();
    h.open();
    h.machine.close(200, 'bye');
    h.broker('connection.close', { replyCode: 320, replyText: 'CONNECTION_FORCED', classId: 0, methodId: 0 });
    expect(h.sentNames().slice(-2)).toEqual(['connection.close', 'connection.close-ok']);
    expect(h.machine.state).toBe('CLOSED');
  });

  it('gives up waiting for close-ok after stack_timeout and ends as asked', () => {
    const h = new MachineHarness({ stackTimeout: 3 });
    h.open();
    h.machine.close(200, 'bye');
    h.advance(2999);
    expect(h.machine.state).toBe('CLOSING');
    h.advance(1);
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith).toEqual({ error: undefined, graceful: false });
  });

  it('abandons the bring-up on a local close before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.machine.close(200, 'changed my mind');
    const error = h.closedWith?.error as ConnectionClosedError;
    expect(error.initiator).toBe('client');
    expect(error.message).toContain('START');
  });

  it('reports a socket lost after start-ok as a probable authentication failure', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.machine.socketLost(new ConnectionLostError('the broker closed the socket'));
    const error = h.closedWith?.error as ConnectionLostError;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error.message).toContain('probable authentication failure');
  });
});

describe('protocol errors', () => {
  it('answers a frame error from the parser with connection.close carrying its reply code, then dies with it', () => {
    const h = new MachineHarness();
    h.open();
    const bad = encodeMethodFrame(0, 'connection.blocked', { reason: 'x' });
    bad[bad.length - 1] = 0x00; // wrong frame-end octet
    h.brokerBytes(bad);
    const error = h.closedWith?.error as FrameError;
    expect(error).toBeInstanceOf(FrameError);
    expect(error.replyCode).toBe(501);
    expect(h.lastSent('connection.close').replyCode).toBe(501);
    expect(h.machine.state).toBe('CLOSED');
    expect(h.closedWith?.graceful).toBe(true);
  });

  it('skips a body over maxBodySize unbuffered, hands the channel the method and error, and stays open', () => {
    const h = new MachineHarness({ maxBodySize: 10 });
    h.open();
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1, exchange: '', routingKey: 'q' }, Buffer.alloc(11));
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 2, exchange: '', routingKey: 'q' }, Buffer.from('fits'));
    expect(h.closedWith).toBeUndefined();
    expect(h.machine.state).toBe('OPEN');
    expect(h.channelOversize).toHaveLength(1);
    const { channel, method, error } = h.channelOversize[0]!;
    expect(channel).toBe(1);
    expect(method.name === 'basic.deliver' && method.args.deliveryTag).toBe(1);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect([error.bodySize, error.maxBodySize]).toEqual([11, 10]);
    expect(h.channelContents.map((c) => c.body.toString())).toEqual(['fits']);
  });

  it('closes with 504 when an oversize body comes for a channel that does not exist', () => {
    const h = new MachineHarness({ maxBodySize: 10 });
    h.open();
    h.brokerContent(5, 'basic.deliver', { consumerTag: 'c', deliveryTag: 1, exchange: '', routingKey: 'q' }, Buffer.alloc(11));
    expect(h.lastSent('connection.close').replyCode).toBe(504);
    expect(h.channelOversize).toHaveLength(0);
  });

  it('answers an illegal (state, method) with close 503 naming both, then dies with ConnectionStateError', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('connection.tune', { channelMax: 1, frameMax: 4096, heartbeat: 1 });
    expect(h.machine.state).toBe('CLOSING');
    const close = h.lastSent('connection.close');
    expect(close.replyCode).toBe(503);
    expect(close.replyText).toContain('connection.tune');
    expect(close.replyText).toContain('OPEN');
    expect([close.classId, close.methodId]).toEqual([10, 30]);
    h.broker('connection.close-ok', {});
    const error = h.closedWith?.error as ConnectionStateError;
    expect(error).toBeInstanceOf(ConnectionStateError);
    expect([error.method, error.state]).toEqual(['connection.tune', 'OPEN']);
  });

  it('refuses a channel frame before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    h.broker('connection.start', START);
    h.broker('channel.open-ok', {}, 1);
    expect(h.closedWith?.error).toBeInstanceOf(ConnectionStateError);
    expect(h.lastSent('connection.close').replyCode).toBe(504);
  });

  it('answers a frame for an unknown channel with connection.close 504 CHANNEL_ERROR', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('channel.close-ok', {}, 7);
    const close = h.lastSent('connection.close');
    expect(close.replyCode).toBe(504);
    expect(close.replyText).toContain('channel 7');
    h.broker('connection.close-ok', {});
    expect((h.closedWith?.error as ConnectionClosedError).replyCode).toBe(504);
  });

  it('hands methods and content for known channels to the owner', () => {
    const h = new MachineHarness();
    h.open();
    h.broker('basic.qos-ok', {}, 1);
    h.brokerContent(1, 'basic.deliver', { consumerTag: 'c', deliveryTag: 5, exchange: '', routingKey: 'q' }, Buffer.from('hi'));
    expect(h.channelMethods.map((m) => m.method.name)).toEqual(['basic.qos-ok']);
    expect(h.channelContents[0]?.body.toString()).toBe('hi');
    expect(h.channelContents[0]?.method.name).toBe('basic.deliver');
  });
});

describe('timers', () => {
  it('ends a stalled bring-up with TimeoutError at stack_timeout, not before', () => {
    const h = new MachineHarness({ stackTimeout: 5 });
    h.machine.connected();
    h.broker('connection.start', START);
    expect(h.machine.nextDeadline()).toBe(h.now + 5000);
    h.advance(4999);
    expect(h.machine.state).toBe('START');
    h.advance(1);
    const error = h.closedWith?.error as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('ERR_AMQP_STACK_TIMEOUT');
    expect(error.timeoutMs).toBe(5000);
    expect(h.closedWith?.graceful).toBe(false);
  });

  it('clears the stack deadline once OPEN', () => {
    // write_timeout off too: its checks are periodic while the socket is up.
    const h = new MachineHarness({ stackTimeout: 5, heartbeat: 0, writeTimeout: 0 });
    h.open();
    expect(h.machine.nextDeadline()).toBeUndefined();
    h.advance(60_000);
    expect(h.machine.state).toBe('OPEN');
  });

  it('sends a heartbeat after heartbeat/2 s with nothing sent, not while traffic flows', () => {
    const h = new MachineHarness({ heartbeat: 10 });
    h.open();
    h.clearWritten();
    h.advance(4999);
    expect(h.written).toHaveLength(0);
    // Something sent during the period: no heartbeat needed at its end.
    h.machine.send(encodeMethodFrame(1, 'basic.ack', { deliveryTag: 1 }));
    h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    h.advance(1);
    expect(h.sentNames()).toEqual(['basic.ack']);
    h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    h.advance(5000);
    expect(h.sentNames()).toEqual(['basic.ack', 'heartbeat']);
    expect(h.machine.state).toBe('OPEN');
  });

  it('declares the broker dead after 2 x heartbeat without a byte, and not while bytes arrive', () => {
    const h = new MachineHarness({ heartbeat: 10 });
    h.open();
    // The broker's heartbeats keep it alive for a minute.
    for (let i = 0; i < 12; i += 1) {
      h.advance(5000);
      h.brokerBytes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 0xce]));
    }
    expect(h.machine.state).toBe('OPEN');
    h.advance(19_999);
    expect(h.machine.state).toBe('OPEN');
    h.advance(5001);
    const error = h.closedWith?.error as HeartbeatTimeoutError;
    expect(error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(error.code).toBe('ERR_AMQP_HEARTBEAT_TIMEOUT');
    expect(h.closedWith?.graceful).toBe(false);
  });

  it('reports blocked and unblocked, and tears down after blocked_connection_timeout', () => {
    const h = new MachineHarness({ blockedConnectionTimeout: 30 });
    h.open();
    h.broker('connection.blocked', { reason: 'low on memory' });
    expect(h.machine.isBlocked).toBe(true);
    h.advance(20_000);
    h.broker('connection.unblocked', {});
    expect(h.machine.isBlocked).toBe(false);
    h.advance(60_000);
    expect(h.machine.state).toBe('OPEN');
    h.broker('connection.blocked', { reason: 'low on disk' });
    h.advance(29_999);
    expect(h.machine.state).toBe('OPEN');
    h.advance(1);
    expect(h.events).toEqual(['opened', 'blocked:low on memory', 'unblocked', 'blocked:low on disk', 'closed']);
    expect(h.closedWith?.error).toBeInstanceOf(BlockedConnectionTimeoutError);
  });
});

describe('update-secret', () => {
  it('sends connection.update-secret and reports update-secret-ok', () => {
    const h = new MachineHarness();
    h.open();
    expect(h.machine.updateSecret('new-token', 'token refresh')).toBe(true);
    expect(h.lastSent('connection.update-secret')).toEqual({ newSecret: 'new-token', reason: 'token refresh' });
    h.broker('connection.update-secret-ok', {});
    expect(h.events).toEqual(['opened', 'secret-updated']);
  });

  it('refuses before OPEN', () => {
    const h = new MachineHarness();
    h.machine.connected();
    expect(h.machine.updateSecret('x', 'y')).toBe(false);
  });
});
