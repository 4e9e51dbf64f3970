/**
 * The broker's own ceiling for request/reply: a client and a server that cost (almost) nothing.
 * Both set up through the codec, then write pre-encoded frames straight to their sockets and find
 * deliveries by reading frame headers only (no decoding, no allocation per message). Whatever
 * latency and throughput this reaches is what the broker on this machine allows any transport.
 *
 * Same topology as the Nest transports: requests to a queue on the default exchange, replies over
 * direct reply-to (`amq.rabbitmq.reply-to`), the server consuming with noAck (Nest RMQ's default)
 * or acking (one `multiple` ack per read, prefetch 100, as ServerAMQP ships).
 */
import { connect, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  FrameParser,
  PROTOCOL_HEADER,
  encodeBasicPublish,
  encodeMethodFrame,
  type AnyMethod,
  type BasicProperties,
} from '../../lib/protocol/codec/index.js';
import { brokerCpuMs, processCpuMs } from './broker-cpu.js';

const FRAME_MAX = 131072;
const BASIC_DELIVER = 0x003c003c;
const CHANNEL_CLOSE = 0x00140028;
const CONNECTION_CLOSE = 0x000a0032;

interface Received {
  method: AnyMethod;
  properties?: BasicProperties;
}

/** One AMQP connection with channel 1 open, on a socket this file writes to directly. */
class RawPeer {
  private readonly waiting: Array<(received: Received) => void> = [];
  private rest: Buffer | undefined;
  private failure: Error | undefined;
  /** Feeds the codec while the connection is set up. */
  private setupListener: (chunk: Buffer) => void = () => undefined;
  /** Called with the number of deliveries in a read and the last delivery tag among them. */
  onDeliveries: (count: number, lastTag: number) => void = () => undefined;

  private constructor(readonly socket: Socket) {}

  static async open(url: string): Promise<RawPeer> {
    const { hostname, port, username, password, pathname } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port || 5672), noDelay: true });
    const peer = new RawPeer(socket);
    const parser = new FrameParser(
      {
        onMethod: (_channel, method) => peer.received({ method }),
        onContent: (_channel, method, properties) => peer.received({ method, properties }),
        onHeartbeat: () => undefined,
        onFrameError: (error) => peer.fail(error),
      },
      { frameMax: FRAME_MAX },
    );
    peer.setupListener = (chunk: Buffer): void => parser.push(chunk);
    socket.on('data', peer.setupListener);
    socket.on('error', (error) => peer.fail(error));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(PROTOCOL_HEADER);
    await peer.expect('connection.start');
    const user = decodeURIComponent(username || 'guest');
    const secret = decodeURIComponent(password || 'guest');
    socket.write(
      encodeMethodFrame(0, 'connection.start-ok', {
        clientProperties: {},
        mechanism: 'PLAIN',
        response: Buffer.from(`\0${user}\0${secret}`),
        locale: 'en_US',
      }),
    );
    await peer.expect('connection.tune');
    const vhost = pathname.length > 1 ? decodeURIComponent(pathname.slice(1)) : '/';
    socket.write(encodeMethodFrame(0, 'connection.tune-ok', { channelMax: 16, frameMax: FRAME_MAX, heartbeat: 0 }));
    socket.write(encodeMethodFrame(0, 'connection.open', { virtualHost: vhost }));
    await peer.expect('connection.open-ok');
    socket.write(encodeMethodFrame(1, 'channel.open', {}));
    await peer.expect('channel.open-ok');
    return peer;
  }

  /** Leaves the codec for the header-only scanner; nothing may be in flight at that moment. */
  switchToScanning(): void {
    this.socket.off('data', this.setupListener);
    this.socket.on('data', (chunk: Buffer) => this.scan(chunk));
  }

  /** Sends a synchronous method during set-up and waits for the named reply. */
  async rpc(frame: Buffer, reply: AnyMethod['name']): Promise<Received> {
    this.socket.write(frame);
    return this.expect(reply);
  }

  /** The next method (or delivery) received during set-up, which must be `name`. */
  async expect(name: AnyMethod['name']): Promise<Received> {
    if (this.failure !== undefined) throw this.failure;
    const received = await new Promise<Received>((resolve) => this.waiting.push(resolve));
    if (received.method.name !== name) {
      throw new Error(`raw peer expected ${name}, got ${received.method.name}: ${JSON.stringify(received.method.args)}`);
    }
    return received;
  }

  close(): void {
    this.socket.destroy();
  }

  private received(received: Received): void {
    this.waiting.shift()?.(received);
  }

  private fail(error: Error): void {
    this.failure = error;
  }

  /** Counts basic.deliver frames by their headers alone; a close from the broker is fatal. */
  private scan(chunk: Buffer): void {
    let buf = chunk;
    if (this.rest !== undefined) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = undefined;
    }
    const length = buf.length;
    let o = 0;
    let count = 0;
    let lastTag = 0;
    while (length - o >= 7) {
      const size = buf.readUInt32BE(o + 3);
      if (length - o < size + 8) break;
      if (buf[o] === 1) {
        const id = buf.readUInt32BE(o + 7);
        if (id === BASIC_DELIVER) {
          count += 1;
          const tagAt = o + 12 + (buf[o + 11] ?? 0);
          lastTag = buf.readUInt32BE(tagAt) * 0x1_0000_0000 + buf.readUInt32BE(tagAt + 4);
        } else if (id === CHANNEL_CLOSE || id === CONNECTION_CLOSE) {
          const text = buf.toString('latin1', o + 14, o + 14 + (buf[o + 13] ?? 0));
          this.socket.destroy(new Error(`raw peer: the broker closed: ${text}`));
          return;
        }
      }
      o += size + 8;
    }
    if (o < length) this.rest = Buffer.from(buf.subarray(o));
    if (count > 0) this.onDeliveries(count, lastTag);
  }
}

/** `count` copies of `frame` back to back, written as a prefix when fewer are needed. */
function repeated(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** What the zero-cost client and server reached. */
export interface CeilingResult {
  /** Sequential round trip p50, ms. */
  p50: number;
  /** Calls/s with `inFlight` outstanding. */
  parallelRate: number;
  /** Broker CPU per call at `inFlight`, µs (undefined where /proc cannot be read). */
  brokerUsPerCall: number | undefined;
  /** This process's CPU per call at `inFlight`, µs: the part no client can save. */
  processUsPerCall: number;
}

/** Options of {@link rpcCeiling}. */
export interface CeilingOptions {
  sequentialCalls: number;
  parallelCalls: number;
  inFlight: number;
  /** true: the server acks (prefetch 100, one `multiple` ack per read); false: noAck. */
  ack: boolean;
}

/** Runs the zero-cost request/reply against the broker at `url`. */
export async function rpcCeiling(url: string, options: CeilingOptions): Promise<CeilingResult> {
  const server = await RawPeer.open(url);
  const client = await RawPeer.open(url);
  const queue = `bench-ceiling-${process.pid}-${Date.now().toString(36)}`;
  try {
    await server.rpc(encodeMethodFrame(1, 'queue.declare', { queue, exclusive: true }), 'queue.declare-ok');
    if (options.ack) await server.rpc(encodeMethodFrame(1, 'basic.qos', { prefetchCount: 100 }), 'basic.qos-ok');
    await server.rpc(encodeMethodFrame(1, 'basic.consume', { queue, noAck: !options.ack }), 'basic.consume-ok');
    await client.rpc(
      encodeMethodFrame(1, 'basic.consume', { queue: 'amq.rabbitmq.reply-to', noAck: true }),
      'basic.consume-ok',
    );

    // A request as Nest RMQ's client sends one; the reply as a Nest server answers.
    const correlationId = randomUUID();
    const request = encodeBasicPublish(
      1,
      '',
      queue,
      false,
      { replyTo: 'amq.rabbitmq.reply-to', correlationId },
      Buffer.from(JSON.stringify({ pattern: 'sum', data: [1, 1, 2], id: correlationId })),
      FRAME_MAX,
    );
    client.socket.write(request);
    const first = await server.expect('basic.deliver');
    const replyTo = first.properties?.replyTo ?? '';
    const reply = encodeBasicPublish(
      1,
      '',
      replyTo,
      false,
      { correlationId },
      Buffer.from(JSON.stringify({ response: 4, isDisposed: true })),
      FRAME_MAX,
    );
    const tag = first.method.name === 'basic.deliver' ? Number(first.method.args.deliveryTag) : 0;
    if (options.ack) server.socket.write(encodeMethodFrame(1, 'basic.ack', { deliveryTag: tag }));
    server.socket.write(reply);
    await client.expect('basic.deliver');
    server.switchToScanning();
    client.switchToScanning();

    const batch = Math.max(options.inFlight, 1);
    const replies = repeated(reply, batch);
    const requests = repeated(request, batch);
    server.onDeliveries = (count, lastTag) => {
      server.socket.cork();
      for (let left = count; left > 0; left -= batch) {
        server.socket.write(replies.subarray(0, Math.min(left, batch) * reply.length));
      }
      if (options.ack) server.socket.write(encodeMethodFrame(1, 'basic.ack', { deliveryTag: lastTag, multiple: true }));
      server.socket.uncork();
    };

    // Sequential: one request, wait for its reply.
    const latencies = new Float64Array(options.sequentialCalls);
    for (let i = 0; i < options.sequentialCalls; i += 1) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        client.onDeliveries = () => resolve();
        client.socket.write(request);
      });
      latencies[i] = performance.now() - t0;
    }
    latencies.sort();

    // `inFlight` outstanding: each reply lets one more request go.
    const brokerBefore = brokerCpuMs();
    const processBefore = processCpuMs();
    const started = performance.now();
    await new Promise<void>((resolve) => {
      let sent = Math.min(batch, options.parallelCalls);
      let done = 0;
      client.onDeliveries = (count) => {
        done += count;
        if (done >= options.parallelCalls) {
          resolve();
          return;
        }
        const more = Math.min(count, options.parallelCalls - sent);
        if (more > 0) client.socket.write(requests.subarray(0, more * request.length));
        sent += more;
      };
      client.socket.write(requests.subarray(0, sent * request.length));
    });
    const elapsed = performance.now() - started;
    const brokerAfter = brokerCpuMs();
    const processUsed = processCpuMs() - processBefore;
    return {
      p50: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
      parallelRate: (options.parallelCalls / elapsed) * 1000,
      brokerUsPerCall:
        brokerBefore === undefined || brokerAfter === undefined
          ? undefined
          : ((brokerAfter - brokerBefore) * 1000) / options.parallelCalls,
      processUsPerCall: (processUsed * 1000) / options.parallelCalls,
    };
  } finally {
    client.close();
    server.close();
  }
}
