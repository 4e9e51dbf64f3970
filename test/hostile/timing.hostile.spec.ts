/**
 * A broker that is slow, silent or noisy: one-byte trickles, a slow-loris bring-up, heartbeat floods,
 * missing heartbeats (also after proposing heartbeat 0), a port that accepts and says nothing, a port
 * that speaks HTTP, synchronous methods never answered. Each ends typed within its bound, or (the
 * trickle and the flood) keeps working.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type net from 'node:net';
import { HEARTBEAT_FRAME, encodeMethodFrame } from '../../lib/protocol/codec/index.js';
import { Connection } from '../../lib/protocol/connection/connection.js';
import {
  HeartbeatTimeoutError,
  NotAmqpPeerError,
  RpcTimeoutError,
  TimeoutError,
} from '../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../lib/protocol/parameters/index.js';
import { startFakeBroker, type FakeBroker, type FakePeer } from '../support/fake-broker.js';
import { closeQuietly, MB, run } from './hostile-support.js';

let broker: FakeBroker | undefined;
afterEach(async () => {
  await broker?.close();
  broker = undefined;
});

const START = encodeMethodFrame(0, 'connection.start', {
  versionMajor: 0,
  versionMinor: 9,
  serverProperties: { product: 'trickle' },
  mechanisms: 'PLAIN',
  locales: 'en_US',
});

/** The whole bring-up, every frame sent one byte at a time `delayMs` apart. */
async function trickledBringUp(peer: FakePeer, delayMs: number): Promise<void> {
  await peer.trickle(START, delayMs);
  await peer.next('connection.start-ok');
  await peer.trickle(encodeMethodFrame(0, 'connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 0 }), delayMs);
  await peer.next('connection.open');
  await peer.trickle(encodeMethodFrame(0, 'connection.open-ok', {}), delayMs);
}

function parameters(port: number, options: ConstructorParameters<typeof ConnectionParameters>[0] = {}): ConnectionParameters {
  return new ConnectionParameters({ host: '127.0.0.1', port, heartbeat: 0, ...options });
}

describe('hostile broker: timing', () => {
  it('a bring-up trickled one byte at a time still opens, and the connection works', async () => {
    broker = await startFakeBroker((peer) => trickledBringUp(peer, 0), { handshake: false });
    const connection = await Connection.connect(parameters(broker.port));
    const channel = await connection.channel();
    expect(channel.isOpen).toBe(true);
    await connection.close();
  });

  it('a slow-loris bring-up ends at stack_timeout', async () => {
    broker = await startFakeBroker((peer) => trickledBringUp(peer, 40), { handshake: false });
    const outcome = await run(broker, { heartbeat: 0, stackTimeout: 1 });
    expect(outcome.error).toBeInstanceOf(TimeoutError);
    expect(outcome.error?.code).toBe('ERR_AMQP_STACK_TIMEOUT');
    expect(outcome.ms).toBeLessThan(1500);
    expect(outcome.reported).toEqual([]);
  });

  it('a heartbeat flood (100,000 frames) neither ends the connection nor grows memory', async () => {
    broker = await startFakeBroker(async (peer) => {
      const burst = Buffer.concat(Array.from({ length: 1000 }, () => HEARTBEAT_FRAME));
      for (let i = 0; i < 100; i++) await peer.send(burst);
    });
    const outcome = await run(broker, { heartbeat: 0 }, 1500);
    await broker.scriptDone;
    expect(outcome.error).toBeUndefined();
    expect(outcome.connection.isOpen).toBe(true);
    expect((await outcome.connection.channel()).isOpen).toBe(true);
    expect(outcome.arrayBuffersGrowth).toBeLessThan(8 * MB);
    await closeQuietly(outcome.connection);
  });

  it('missing heartbeats: silence after heartbeat 1 is detected within 2.5 intervals', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined), { tune: { heartbeat: 1 } });
    const outcome = await run(broker, {}, 5000);
    expect(outcome.error).toBeInstanceOf(HeartbeatTimeoutError);
    // checks run every half interval: death is declared 2 to 2.5 intervals after the last byte
    // (open-ok, a few ms into the run), plus timer latency on a busy machine
    expect(outcome.ms).toBeLessThan(2500 + 500);
    expect(outcome.ms).toBeGreaterThanOrEqual(2000);
    console.log(`missing heartbeats (heartbeat 1 s): ${outcome.error?.message} after ${outcome.ms.toFixed(0)} ms`);
  });

  it('a broker that proposes heartbeat 0 and goes silent is detected: the client asked for 1 s and that wins', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined), { tune: { heartbeat: 0 } });
    const outcome = await run(broker, { heartbeat: 1 }, 5000);
    expect(outcome.error).toBeInstanceOf(HeartbeatTimeoutError);
    expect(outcome.ms).toBeLessThan(2500 + 500);
    const tuneOk = broker.peers[0]!.frames.find((f) => f.method?.name === 'connection.tune-ok');
    expect(tuneOk?.method?.args).toMatchObject({ heartbeat: 1 });
    console.log(`broker heartbeat 0, client 1 s, silence: ${outcome.error?.message} after ${outcome.ms.toFixed(0)} ms`);
  });

  it('left to the broker, a proposal of heartbeat 0 becomes 60 s (heartbeats cannot be switched off by the broker alone)', async () => {
    broker = await startFakeBroker(async () => undefined, { tune: { heartbeat: 0 } });
    const connection = await Connection.connect(new ConnectionParameters({ host: '127.0.0.1', port: broker.port }));
    expect(connection.heartbeat).toBe(60);
    await connection.close();
  });

  it('accept-and-silence fails at handshake_timeout', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined), { handshake: false });
    const outcome = await run(broker, { handshakeTimeout: 0.5 });
    expect(outcome.error?.code).toBe('ERR_AMQP_HANDSHAKE_TIMEOUT');
    expect(outcome.ms).toBeLessThan(1000);
  });

  it('accept-and-silence with the defaults fails within 5 s (handshake_timeout), not the 15 s stack_timeout', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined), { handshake: false });
    const outcome = await run(broker, {}, 16_000);
    expect(outcome.error).toBeInstanceOf(TimeoutError);
    expect(outcome.error?.code).toBe('ERR_AMQP_HANDSHAKE_TIMEOUT');
    expect(outcome.ms).toBeGreaterThanOrEqual(4900);
    expect(outcome.ms).toBeLessThan(6000);
  });

  it('an HTTP server: NotAmqpPeerError quoting what it sent, within 1 s, not retried', async () => {
    let requests = 0;
    const server = http.createServer(() => undefined);
    server.on('connection', () => (requests += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const started = performance.now();
      const error = (await Connection.connect(parameters(port, { connectionAttempts: 3, retryDelay: 0 })).catch((e: unknown) => e)) as NotAmqpPeerError;
      const ms = performance.now() - started;
      expect(error).toBeInstanceOf(NotAmqpPeerError);
      expect(error.message).toBe(`the peer at 127.0.0.1:${port} is not an AMQP 0-9-1 broker (it sent 'HTTP/1.1 400')`);
      expect(ms).toBeLessThan(1000);
      expect(requests).toBe(1);
      console.log(`HTTP server: ${error.name}: ${error.message} (${ms.toFixed(0)} ms)`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a channel.open never answered: RpcTimeoutError at rpc_timeout', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined), { answerChannelOpen: false });
    const connection = await Connection.connect(parameters(broker.port, { rpcTimeout: 0.5 }));
    const started = performance.now();
    const error = (await connection.channel().catch((e: unknown) => e)) as RpcTimeoutError;
    const ms = performance.now() - started;
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error.method).toBe('channel.open');
    expect(ms).toBeGreaterThanOrEqual(490);
    expect(ms).toBeLessThan(1000);
    expect(connection.isOpen).toBe(true);
    await connection.close();
  });

  it('a channel.close never answered: RpcTimeoutError at rpc_timeout', async () => {
    broker = await startFakeBroker(() => new Promise(() => undefined));
    const connection = await Connection.connect(parameters(broker.port, { rpcTimeout: 0.5 }));
    const channel = await connection.channel();
    const started = performance.now();
    const error = (await channel.close().catch((e: unknown) => e)) as RpcTimeoutError;
    const ms = performance.now() - started;
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error.method).toBe('channel.close');
    expect(ms).toBeLessThan(1000);
    expect(channel.state).toBe('CLOSED');
    await connection.close();
  });
});

