import { describe, it, expect, afterAll } from '@jest/globals';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { type AMQPError, ConnectionLostError } from '../../../lib/protocol/errors.js';
import { connectSocket, type TransportHandlers } from '../../../lib/protocol/io/socket-transport.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';

/** A local TCP peer (not the broker) whose side of each connection the test controls. */
async function peer(): Promise<{ port: number; server: Server; sockets: Socket[]; next: () => Promise<Socket> }> {
  const sockets: Socket[] = [];
  const waiting: ((s: Socket) => void)[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
    waiting.shift()?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    sockets,
    next: () => new Promise<Socket>((resolve) => waiting.push(resolve)),
  };
}

function recorder(overrides: Partial<TransportHandlers> = {}) {
  const events: string[] = [];
  const data: Buffer[] = [];
  let closed!: (error: AMQPError | undefined) => void;
  const closedWith = new Promise<AMQPError | undefined>((resolve) => (closed = resolve));
  const handlers: TransportHandlers = {
    onConnect: () => events.push('connect'),
    onData: (chunk) => data.push(chunk),
    onDrain: () => events.push('drain'),
    onClose: (error) => {
      events.push('close');
      closed(error);
    },
    ...overrides,
  };
  return { events, data, handlers, closedWith };
}

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** A transport connected to a fresh local peer: the peer's side of the connection once accepted. */
async function openTransport(
  overrides: Partial<TransportHandlers> = {},
  options?: Parameters<typeof connectSocket>[2],
): Promise<{ r: ReturnType<typeof recorder>; t: ReturnType<typeof connectSocket>; socket: Socket }> {
  const p = await peer();
  servers.push(p.server);
  const r = recorder(overrides);
  const accepted = p.next();
  const t = connectSocket(new ConnectionParameters({ host: '127.0.0.1', port: p.port }), r.handlers, options);
  return { r, t, socket: await accepted };
}

function connected(events: string[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const poll = (): void => {
      if (events.includes('connect')) resolve();
      else setTimeout(poll, 2);
    };
    poll();
  });
}

describe('socket transport', () => {
  it('delivers every byte written in one tick, in order, and reports our end() as a clean close', async () => {
    const { r, t, socket } = await openTransport();
    await connected(r.events);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    const expected: Buffer[] = [];
    for (let i = 0; i < 500; i += 1) {
      const frame = Buffer.from(`frame-${i};`);
      expected.push(frame);
      expect(t.write(frame)).toBe(true);
    }
    t.end();
    await ended;
    expect(Buffer.concat(received).toString()).toBe(Buffer.concat(expected).toString());
    expect(await r.closedWith).toBeUndefined();
  });

  it('keeps the order of small (staged) and large writes mixed in one tick, past a staging slab', async () => {
    const { r, t, socket } = await openTransport();
    await connected(r.events);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    const expected: Buffer[] = [];
    let staged = 0;
    for (let i = 0; i < 400; i += 1) {
      // 21-byte acks, 500-byte small methods and 2 KiB publishes: ~60 KiB staged in all, over 4 slabs
      const size = i % 7 === 3 ? 2048 : i % 3 === 0 ? 500 : 21;
      if (size < 2048) staged += size;
      const frame = Buffer.alloc(size, i % 251);
      expected.push(frame);
      t.write(frame);
    }
    expect(staged).toBeGreaterThan(3 * 16 * 1024);
    expect(t.bufferedBytes).toBe(expected.reduce((n, b) => n + b.length, 0));
    t.end();
    await ended;
    expect(Buffer.concat(received).equals(Buffer.concat(expected))).toBe(true);
    expect(await r.closedWith).toBeUndefined();
  });

  it('holds the cork through the promise jobs after a callback, so a reply and the ack after it leave in one write', async () => {
    const { r, t, socket } = await openTransport();
    await connected(r.events);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const reply = Buffer.from('reply;');
    const ack = Buffer.from('ack;');
    // A callback (macrotask) writes the reply; a promise job two awaits later writes the ack.
    const seen = await new Promise<{ atAck: number; afterAck: number; nextMacrotask: number }>((resolve) => {
      setImmediate(() => {
        t.write(reply);
        void (async () => {
          await Promise.resolve();
          await Promise.resolve();
          const atAck = t.bufferedBytes;
          t.write(ack);
          const afterAck = t.bufferedBytes;
          setImmediate(() => resolve({ atAck, afterAck, nextMacrotask: t.bufferedBytes }));
        })();
      });
    });
    await new Promise<void>((resolve) => {
      const poll = (): void => (Buffer.concat(received).length >= 10 ? resolve() : void setTimeout(poll, 2));
      poll();
    });
    t.destroy();
    expect(await r.closedWith).toBeUndefined();
    expect(Buffer.concat(received).toString()).toBe('reply;ack;');
    // Still corked when the ack came: both were handed to the kernel together ...
    expect(seen).toEqual({ atAck: reply.length, afterAck: reply.length + ack.length, nextMacrotask: 0 });
    // ... and before the event loop moved on (nextMacrotask 0: no added latency).
  });

  it('passes inbound bytes to onData and reports the peer closing as ConnectionLostError', async () => {
    const { r, socket } = await openTransport();
    socket.end('hello');
    const error = await r.closedWith;
    expect(Buffer.concat(r.data).toString()).toBe('hello');
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error?.message).toContain('closed the socket');
    expect(r.events.filter((e) => e === 'close')).toHaveLength(1);
  });

  it('turns an exception thrown by a handler into a typed loss, never an uncaught exception', async () => {
    const { r, socket } = await openTransport({
      onData: () => {
        throw new Error('bug in the data path');
      },
    });
    socket.write('x');
    const error = await r.closedWith;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error?.message).toContain('bug in the data path');
    expect((error?.cause as Error).message).toBe('bug in the data path');
  });

  it('refuses a write made after a failure destroyed the socket, before its close is reported', async () => {
    const p = await peer();
    servers.push(p.server);
    const results: boolean[] = [];
    const transport: { t?: ReturnType<typeof connectSocket> } = {};
    const r = recorder({
      onData: () => {
        // A promise job of the failing callback writes once more: node would drop it without a word.
        queueMicrotask(() => results.push(transport.t?.write(Buffer.from('late')) ?? true));
        throw new Error('bug in the data path');
      },
    });
    const accepted = p.next();
    transport.t = connectSocket(new ConnectionParameters({ host: '127.0.0.1', port: p.port }), r.handlers);
    (await accepted).write('x');
    expect(await r.closedWith).toBeInstanceOf(ConnectionLostError);
    expect(results).toEqual([false]);
  });

  it('returns false past the high-water mark and reports drain once the peer read it all', async () => {
    const { r, t, socket } = await openTransport({}, { highWaterMark: 64 * 1024 });
    await connected(r.events);
    socket.pause();
    const chunk = Buffer.alloc(16 * 1024, 1);
    let refused = 0;
    // Far more than the kernel buffers hold while the peer is not reading.
    for (let i = 0; i < 2000 && refused === 0; i += 1) if (!t.write(chunk)) refused += 1;
    expect(refused).toBe(1);
    expect(t.bufferedBytes).toBeGreaterThanOrEqual(64 * 1024);
    expect(r.events).not.toContain('drain');
    socket.resume();
    await new Promise<void>((resolve) => {
      const poll = (): void => (r.events.includes('drain') ? resolve() : void setTimeout(poll, 5));
      poll();
    });
    expect(t.bufferedBytes).toBeLessThan(64 * 1024);
    t.destroy();
    expect(await r.closedWith).toBeUndefined();
  });
  it('observes write progress: what the kernel took stops moving while the peer reads nothing, and moves once it reads', async () => {
    const { r, t, socket } = await openTransport({}, { highWaterMark: 64 * 1024 });
    await connected(r.events);
    socket.pause();
    const chunk = Buffer.alloc(64 * 1024, 1);
    // Far more than the kernel buffers hold while the peer is not reading.
    for (let i = 0; i < 400; i += 1) t.write(chunk);
    const settle = async (): Promise<number> => {
      // Until the kernel takes no more: two looks a few event-loop turns apart agree.
      let last = -1;
      while (t.writtenBytes !== last) {
        last = t.writtenBytes ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return last;
    };
    const stuck = await settle();
    expect(t.bufferedBytes).toBeGreaterThan(0);
    expect(stuck + t.bufferedBytes).toBe(400 * chunk.length);
    socket.resume();
    await new Promise<void>((resolve) => {
      const poll = (): void => (t.bufferedBytes === 0 ? resolve() : void setTimeout(poll, 5));
      poll();
    });
    expect(t.writtenBytes).toBe(400 * chunk.length);
    t.destroy();
    expect(await r.closedWith).toBeUndefined();
  });
});
