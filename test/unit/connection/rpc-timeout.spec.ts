/**
 * rpc_timeout: every synchronous method (channel.open and channel.close included) fails with a typed
 * RpcTimeoutError when the broker does not answer, and leaves channel and connection consistent: the
 * channel is closed, its number kept out of use until the broker's close-ok.
 */
import { describe, expect, it } from '@jest/globals';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { ChannelClosedError, RpcTimeoutError } from '../../../lib/protocol/errors.js';
import {
  ConnectionParameters,
  URLParameters,
  type ConnectionParametersOptions,
} from '../../../lib/protocol/parameters/index.js';
import { FakeClock, flush, transportRecorder } from './fake-io.js';

async function opened(options: ConnectionParametersOptions = {}) {
  const clock = new FakeClock();
  const rec = transportRecorder();
  const connection = new Connection(new ConnectionParameters({ heartbeat: 0, ...options }), {}, { clock, transport: rec.factory });
  await flush();
  const t = rec.transports[0]!;
  t.bringUp();
  return { clock, connection, t };
}

async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; done: boolean }> {
  const out: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(out, { value, done: true }),
    (error: unknown) => Object.assign(out, { error, done: true }),
  );
  await flush();
  return out;
}

describe('rpc_timeout', () => {
  it('a channel.open never answered fails with RpcTimeoutError at rpc_timeout; the number stays retired until close-ok', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 2 });
    const first = connection.channel();
    clock.advance(1999);
    expect((await settled(first)).done).toBe(false);
    clock.advance(1);
    const result = await settled(first);
    const error = result.error as RpcTimeoutError;
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_AMQP_RPC_TIMEOUT', method: 'channel.open', channel: 1, timeoutMs: 2000 });
    expect(error.message).toBe('no reply to channel.open on channel 1 within 2 s (rpc_timeout)');
    // the channel was closed on the wire, and its number is not handed out again yet
    expect(t.names(1)).toEqual(['channel.open', 'channel.close']);
    expect(t.last('channel.close')).toMatchObject({ replyCode: 541 });
    const second = connection.channel();
    t.broker('channel.open-ok', {}, 2);
    expect((await second).channelNumber).toBe(2);
    // a late open-ok on 1 is dropped; the close-ok frees the number
    t.broker('channel.open-ok', {}, 1);
    t.broker('channel.close-ok', {}, 1);
    const third = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    expect((await third).channelNumber).toBe(1);
    expect(connection.isOpen).toBe(true);
  });

  it('a channel.close never answered fails close() with RpcTimeoutError naming channel.close', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 1 });
    const opening = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await opening;
    const closing = settled(channel.close());
    clock.advance(1000);
    const result = await closing;
    expect(result.error).toBeInstanceOf(RpcTimeoutError);
    expect((result.error as RpcTimeoutError).method).toBe('channel.close');
    expect(channel.state).toBe('CLOSED');
    expect(t.names(1)).toEqual(['channel.open', 'channel.close']);
  });

  it('a queue.declare never answered fails; what was queued behind it fails with a ChannelClosedError caused by it', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 1 });
    const opening = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await opening;
    const closes: unknown[] = [];
    channel.addOnCloseCallback((_c, error) => closes.push(error));
    const declare = settled(channel.queueDeclare({ queue: 'q' }));
    const bind = settled(channel.queueBind({ queue: 'q', exchange: 'x', routingKey: 'k' }));
    clock.advance(1000);
    expect((await declare).error).toBeInstanceOf(RpcTimeoutError);
    const bindError = (await bind).error as ChannelClosedError;
    expect(bindError).toBeInstanceOf(ChannelClosedError);
    expect(bindError.cause).toBeInstanceOf(RpcTimeoutError);
    expect(closes).toHaveLength(1);
    expect(t.names(1)).toEqual(['channel.open', 'queue.declare', 'channel.close']);
    // a late declare-ok is dropped without touching anything
    t.broker('queue.declare-ok', { queue: 'q' }, 1);
    expect(connection.isOpen).toBe(true);
  });

  it('answered in time, nothing fires later', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 1 });
    const opening = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await opening;
    const qos = channel.basicQos({ prefetchCount: 5 });
    t.broker('basic.qos-ok', {}, 1);
    await qos;
    clock.advance(10_000);
    expect(channel.state).toBe('OPEN');
    expect(t.names(1)).toEqual(['channel.open', 'basic.qos']);
  });

  it('stands still while the broker blocks the connection', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 1 });
    const opening = connection.channel();
    t.broker('channel.open-ok', {}, 1);
    const channel = await opening;
    t.broker('connection.blocked', { reason: 'low on memory' });
    const declare = settled(channel.queueDeclare({ queue: 'q' }));
    clock.advance(5000);
    expect((await declare).done).toBe(false);
    t.broker('connection.unblocked', {});
    clock.advance(1000);
    expect((await declare).error).toBeInstanceOf(RpcTimeoutError);
  });

  it('rpc_timeout 0 waits for ever', async () => {
    const { clock, connection } = await opened({ rpcTimeout: 0 });
    const first = settled(connection.channel());
    clock.advance(3_600_000);
    expect((await first).done).toBe(false);
  });

  it('defaults to 30 s, and reads rpc_timeout from a URL', () => {
    expect(new ConnectionParameters().rpcTimeout).toBe(30);
    expect(new ConnectionParameters({ rpcTimeout: 2.5 }).rpcTimeout).toBe(2.5);
    expect(new URLParameters('amqp://rabbit/?rpc_timeout=2.5&handshake_timeout=1')).toMatchObject({
      rpcTimeout: 2.5,
      handshakeTimeout: 1,
    });
    expect(() => new URLParameters('amqp://rabbit/?rpc_timeout=-1')).toThrow('rpc_timeout');
  });
});

describe('rpc_timeout on connection.update-secret', () => {
  it('rejects with RpcTimeoutError; the late reply is dropped and the next one answers the next call', async () => {
    const { clock, connection, t } = await opened({ rpcTimeout: 1 });
    const first = settled(connection.updateSecret('token-1', 'refresh'));
    clock.advance(1000);
    const error = (await first).error as RpcTimeoutError;
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error.method).toBe('connection.update-secret');
    const second = settled(connection.updateSecret('token-2', 'refresh'));
    t.broker('connection.update-secret-ok', {});
    expect((await second).done).toBe(false);
    t.broker('connection.update-secret-ok', {});
    expect((await second).done).toBe(true);
    expect((await second).error).toBeUndefined();
    expect(connection.isOpen).toBe(true);
  });
});
