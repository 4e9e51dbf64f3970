/**
 * Self-test of the fault proxy against the real broker, with amqplib as the client (the engine is
 * built in parallel): traffic passes, pause() silences both directions without closing (heartbeat
 * death is detected by the client), resume() delivers what was held, dropAll() disconnects.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { TcpProxy } from '../../support/tcp-proxy.js';

const PROTOCOL_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');

/** Resolves on the model's 'close' (events.once would reject on the 'error' emitted before it). */
function closeOf(conn: amqp.ChannelModel): Promise<Error | undefined> {
  return new Promise((resolve) => conn.once('close', (error?: Error) => resolve(error)));
}

function firstData(socket: Socket): Promise<Buffer> {
  return once(socket, 'data').then(([chunk]) => chunk as Buffer);
}

describe('TcpProxy (real broker)', () => {
  let proxy: TcpProxy;
  beforeEach(async () => {
    proxy = await TcpProxy.start();
  });
  afterEach(async () => {
    await proxy.close();
  });

  it('listens on 127.0.0.1 on an ephemeral port and forwards a whole AMQP session', async () => {
    expect(proxy.host).toBe('127.0.0.1');
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.port).not.toBe(5672);
    const queue = `support-proxy-${randomUUID()}`;
    const conn = await amqp.connect(proxy.url());
    try {
      expect(proxy.connectionCount).toBe(1);
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, { autoDelete: false });
      ch.sendToQueue(queue, Buffer.from('through the proxy'));
      let got: amqp.GetMessage | false = false;
      for (let i = 0; i < 50 && got === false; i++) {
        got = await ch.get(queue, { noAck: true });
        if (got === false) await sleep(20);
      }
      expect(got === false ? undefined : got.content.toString()).toBe('through the proxy');
      await ch.deleteQueue(queue);
      await ch.close();
    } finally {
      await conn.close();
    }
    expect(proxy.bytes.toBroker).toBeGreaterThan(PROTOCOL_HEADER.length);
    expect(proxy.bytes.toClient).toBeGreaterThan(0);
    expect(proxy.acceptedCount).toBe(1);
  });

  it('pause() holds bytes in both directions without closing; resume() delivers them', async () => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    await once(socket, 'connect');
    try {
      proxy.pause();
      expect(proxy.paused).toBe(true);
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.write(PROTOCOL_HEADER);
      await sleep(500);
      // the header was held on its way to the broker, so nothing came back, and nothing closed
      expect(received).toBe(0);
      expect(proxy.bytes.toBroker).toBe(0);
      expect(socket.destroyed).toBe(false);
      expect(proxy.connectionCount).toBe(1);
      const start = firstData(socket);
      proxy.resume();
      const frame = await start;
      expect(frame[0]).toBe(1); // a method frame: connection.start
      expect(frame.readUInt16BE(7)).toBe(10); // class connection
      expect(frame.readUInt16BE(9)).toBe(10); // method start
    } finally {
      socket.destroy();
    }
  });

  it('pause() during a reply in flight: nothing more reaches the client until resume()', async () => {
    const socket = connect({ host: proxy.host, port: proxy.port });
    await once(socket, 'connect');
    try {
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.write(PROTOCOL_HEADER);
      // pause as soon as the header has gone out: connection.start is then on its way back
      while (proxy.bytes.toBroker < PROTOCOL_HEADER.length) await sleep(1);
      proxy.pause();
      const forwardedAtPause = proxy.bytes.toClient;
      await sleep(500);
      // whatever reached the client had been forwarded before pause(); nothing was forwarded after
      expect(proxy.bytes.toClient).toBe(forwardedAtPause);
      expect(received).toBe(forwardedAtPause);
      proxy.resume();
      while (received === 0) await sleep(10);
      expect(received).toBe(proxy.bytes.toClient);
    } finally {
      socket.destroy();
    }
  });

  it('a paused path is detected by heartbeats: amqplib declares the connection dead', async () => {
    const conn = await amqp.connect(`${proxy.url()}?heartbeat=1`);
    const errors: Error[] = [];
    conn.on('error', (e: Error) => errors.push(e));
    const closed = closeOf(conn);
    proxy.pause();
    expect(proxy.connectionCount).toBe(1);
    await closed;
    expect(errors.map((e) => e.message)).toContain('Heartbeat timeout');
    proxy.resume();
  });

  it('dropAll() disconnects every client; new connections are still accepted', async () => {
    const a = await amqp.connect(proxy.url());
    const b = await amqp.connect(proxy.url());
    a.on('error', () => undefined);
    b.on('error', () => undefined);
    expect(proxy.connectionCount).toBe(2);
    const closedA = closeOf(a);
    const closedB = closeOf(b);
    proxy.dropAll();
    const errA = await closedA;
    await closedB;
    expect(errA).toBeInstanceOf(Error); // an unexpected close, not a clean one
    expect(proxy.connectionCount).toBe(0);
    const c = await amqp.connect(proxy.url());
    expect(proxy.connectionCount).toBe(1);
    expect(proxy.acceptedCount).toBe(3);
    await c.close();
  });

  it('close() stops listening', async () => {
    const { port } = proxy;
    await proxy.close();
    const socket = connect({ host: '127.0.0.1', port });
    const [error] = (await once(socket, 'error').catch((e: unknown) => [e])) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    proxy = await TcpProxy.start(); // for afterEach
  });
});

describe('TcpProxy (local target)', () => {
  it('a close during pause() reaches the other side only after resume(), after the held bytes', async () => {
    const serverSide: Socket[] = [];
    const target = createServer((s) => serverSide.push(s));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const proxy = await TcpProxy.start({ targetPort: (target.address() as AddressInfo).port });
    try {
      const client = connect({ host: proxy.host, port: proxy.port });
      await once(client, 'connect');
      while (serverSide.length === 0) await sleep(5);
      const upstream = serverSide[0]!;
      let got = '';
      let ended = false;
      upstream.on('data', (c: Buffer) => (got += c.toString()));
      upstream.on('end', () => (ended = true));
      proxy.pause();
      client.end('last words');
      await sleep(300);
      expect(got).toBe('');
      expect(ended).toBe(false);
      expect(proxy.connectionCount).toBe(1);
      proxy.resume();
      while (!ended) await sleep(5);
      expect(got).toBe('last words');
      expect(proxy.connectionCount).toBe(0);
    } finally {
      await proxy.close();
      for (const s of serverSide) s.destroy();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });

  it('a target that refuses the connection closes the client side', async () => {
    const target = createServer();
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const port = (target.address() as AddressInfo).port;
    await new Promise<void>((resolve) => target.close(() => resolve()));
    const proxy = await TcpProxy.start({ targetPort: port });
    try {
      const client = connect({ host: proxy.host, port: proxy.port });
      client.on('error', () => undefined);
      await once(client, 'close');
      expect(proxy.connectionCount).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
