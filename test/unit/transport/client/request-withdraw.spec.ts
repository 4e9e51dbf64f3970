/**
 * A request whose publish waits its turn in the connection's buffer (the socket over its high-water
 * mark, or a recovery) and whose call ends first (its timeout, the caller abandoning it, the
 * connection lost) is withdrawn: it leaves the outage budget at once and is never sent later.
 * DirectReplyRpc over a real RecoveringConnection and the scripted fake engine.
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionParameters, RequestTimeoutError } from '../../../../lib/protocol/index.js';
import { RecoveringConnection } from '../../../../lib/protocol/recovery/index.js';
import type { AmqpConnectionHost } from '../../../../lib/transport/connection/connection-host.js';
import { DirectReplyRpc, type RpcCall, type RpcRequest } from '../../../../lib/transport/publish/direct-reply-rpc.js';
import { FakeBroker } from '../../recovery/fake-broker.js';
import type { FakeChannel } from '../../recovery/fake-channel.js';
import { settle } from '../../recovery/recovery-harness.js';

async function setUp(): Promise<{ broker: FakeBroker; connection: RecoveringConnection; rpc: DirectReplyRpc; sent: () => string[] }> {
  const broker = new FakeBroker();
  const connection = await RecoveringConnection.connect(new ConnectionParameters({ host: 'node-a' }), {
    connector: broker.connector,
    random: () => 0.99,
    recovery: { initialDelayMs: 50 },
  });
  const channel = await connection.channel();
  const host = { channel: () => Promise.resolve(channel) } as unknown as AmqpConnectionHost;
  const rpc = await DirectReplyRpc.open(host);
  return { broker, connection, rpc, sent: () => (channel.unwrap() as FakeChannel).published };
}

function recorder(): RpcCall & { errors: Error[] } {
  const errors: Error[] = [];
  return { errors, onReply: () => true, onError: (error) => void errors.push(error) };
}

function request(body: string, timeoutMs: number): RpcRequest {
  return { exchange: '', routingKey: 'rpc', body: Buffer.from(body), properties: {}, timeoutMs, label: 'rpc' };
}

describe('a request that ends while its publish waits in the buffer', () => {
  it('leaves the outage budget at its own timeout and is never sent', async () => {
    const { broker, connection, rpc, sent } = await setUp();
    broker.current.writable = false;
    const call = recorder();
    rpc.request('id-timeout', request('waits', 20), call);
    const other = recorder();
    rpc.request('id-other', request('later', 60_000), other);
    expect(connection.outage).toMatchObject({ messages: 2, bytes: 10 });
    await sleep(40);
    expect(call.errors[0]).toBeInstanceOf(RequestTimeoutError);
    // Out of the budget at once, not at the budget's deadline (60 s) nor once the socket drains.
    expect(connection.outage).toMatchObject({ messages: 1, bytes: 5 });
    broker.current.drain();
    await settle();
    expect(sent()).toEqual(['later']);
    expect(call.errors).toHaveLength(1);
    expect(other.errors).toEqual([]);
    await connection.close();
  });

  it('leaves it when the caller abandons the call, and when the connection is lost (failAll)', async () => {
    const { broker, connection, rpc, sent } = await setUp();
    broker.current.writable = false;
    const abandon = rpc.request('id-abandoned', request('abandoned', 60_000), recorder());
    const lost = recorder();
    rpc.request('id-lost', request('lost', 60_000), lost);
    expect(connection.outage).toMatchObject({ messages: 2 });
    abandon();
    expect(connection.outage).toMatchObject({ messages: 1, bytes: 4 });
    // The owner fails what is pending when the connection drops (requests cannot outlive it).
    rpc.failAll(new Error('connection lost'));
    expect(lost.errors.map((e) => e.message)).toEqual(['connection lost']);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0 });
    broker.current.drain();
    await settle();
    expect(sent()).toEqual([]);
    await connection.close();
  });
});
