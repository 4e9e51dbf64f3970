/**
 * A scripted fake broker on loopback for hostile-peer tests. It listens on 127.0.0.1 port 0, reads
 * the client's frames with the project's own FrameParser, speaks the bring-up with the project's own
 * encoder (connection.start, tune, open-ok; each step can be changed or skipped), then hands the
 * connection to a script that sends whatever bytes it likes: malformed frames, floods, trickles,
 * silence.
 */
import net from 'node:net';
import {
  FrameParser,
  PROTOCOL_HEADER,
  encodeMethodFrame,
  type AnyMethod,
  type MethodArgs,
  type MethodName,
} from '../../lib/protocol/codec/index.js';

/** A method the client sent, with its channel. */
export interface ClientFrame {
  channel: number;
  method: AnyMethod | undefined;
  heartbeat: boolean;
}

/** How the fake broker greets; `handshake: false` hands over right after the protocol header. */
export interface FakeBrokerOptions {
  handshake?: boolean;
  /** connection.tune values (RabbitMQ's defaults: 2047, 131072, 60). */
  tune?: { channelMax?: number; frameMax?: number; heartbeat?: number };
  /** Answer channel.open with open-ok (default true); false leaves channel.open unanswered. */
  answerChannelOpen?: boolean;
  /** Answer the client's connection.close with close-ok and hang up (default true). */
  answerConnectionClose?: boolean;
}

/** One accepted connection, as the script sees it. */
export class FakePeer {
  readonly frames: ClientFrame[] = [];
  readonly socket: net.Socket;
  #waiters: { name: MethodName | undefined; resolve: (f: ClientFrame) => void }[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => (this.#closed = true));
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** A frame from the client (called by the broker's parser). */
  received(frame: ClientFrame): void {
    this.frames.push(frame);
    const i = this.#waiters.findIndex((w) => w.name === undefined || w.name === frame.method?.name);
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(frame);
  }

  /** Resolves with the client's next method called `name` (or one already received and not yet taken). */
  next(name?: MethodName): Promise<ClientFrame> {
    const had = this.frames.find((f) => !taken.has(f) && (name === undefined || f.method?.name === name));
    if (had !== undefined) {
      taken.add(had);
      return Promise.resolve(had);
    }
    return new Promise((resolve) =>
      this.#waiters.push({
        name,
        resolve: (f) => {
          taken.add(f);
          resolve(f);
        },
      }),
    );
  }

  /** Writes bytes, waiting for drain when the socket buffers; false once the client has gone. */
  async send(bytes: Buffer): Promise<boolean> {
    if (this.#closed || this.socket.destroyed) return false;
    if (this.socket.write(bytes)) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  sendMethod<N extends MethodName>(channel: number, name: N, args: Partial<MethodArgs[N]>): Promise<boolean> {
    return this.send(encodeMethodFrame(channel, name, args));
  }

  /** Sends `bytes` one at a time, `delayMs` apart; stops when the client goes. */
  async trickle(bytes: Buffer, delayMs: number): Promise<void> {
    for (let i = 0; i < bytes.length && !this.#closed; i++) {
      await this.send(bytes.subarray(i, i + 1));
      await sleep(delayMs);
    }
  }
}

const taken = new WeakSet<ClientFrame>();

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The bring-up a real broker speaks, from our side of it. */
async function handshake(peer: FakePeer, options: FakeBrokerOptions): Promise<void> {
  await peer.sendMethod(0, 'connection.start', {
    versionMajor: 0,
    versionMinor: 9,
    serverProperties: { product: 'fake-broker' },
    mechanisms: 'PLAIN',
    locales: 'en_US',
  });
  await peer.next('connection.start-ok');
  await peer.sendMethod(0, 'connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 60, ...options.tune });
  await peer.next('connection.open');
  await peer.sendMethod(0, 'connection.open-ok', {});
}

/** A running fake broker. */
export interface FakeBroker {
  readonly port: number;
  /** Every connection accepted so far. */
  readonly peers: FakePeer[];
  /** Resolves with the first script's outcome (a script error rejects it). */
  readonly scriptDone: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a fake broker; `script` runs for every accepted connection once the bring-up is done (or
 * right after the protocol header with `handshake: false`).
 */
export async function startFakeBroker(
  script: (peer: FakePeer) => Promise<void>,
  options: FakeBrokerOptions = {},
): Promise<FakeBroker> {
  const peers: FakePeer[] = [];
  let settleScript!: { resolve: () => void; reject: (e: unknown) => void };
  const scriptDone = new Promise<void>((resolve, reject) => (settleScript = { resolve, reject }));
  scriptDone.catch(() => undefined);
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const peer = new FakePeer(socket);
    peers.push(peer);
    let header = Buffer.alloc(0);
    const parser = new FrameParser(
      {
        onMethod: (channel, method) => peer.received({ channel, method, heartbeat: false }),
        onContent: (channel, method) => peer.received({ channel, method, heartbeat: false }),
        onHeartbeat: () => peer.received({ channel: 0, method: undefined, heartbeat: true }),
        onFrameError: () => socket.destroy(),
      },
      { frameMax: 0 },
    );
    socket.on('data', (chunk: Buffer) => {
      if (header.length < 8) {
        const need = 8 - header.length;
        header = Buffer.concat([header, chunk.subarray(0, need)]);
        chunk = chunk.subarray(need);
        if (header.length < 8) return;
        if (!header.equals(PROTOCOL_HEADER)) {
          socket.destroy();
          return;
        }
        void run();
      }
      if (chunk.length > 0) parser.push(chunk);
    });
    const run = async (): Promise<void> => {
      try {
        if (options.handshake !== false) await handshake(peer, options);
        if (options.answerChannelOpen !== false) answerChannelOpens(peer);
        if (options.answerConnectionClose !== false) answerConnectionClose(peer);
        await script(peer);
        settleScript.resolve();
      } catch (error) {
        settleScript.reject(error);
      }
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    peers,
    scriptDone,
    close: () =>
      new Promise<void>((resolve) => {
        for (const peer of peers) peer.socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers every channel.open with open-ok, in the background. */
function answerChannelOpens(peer: FakePeer): void {
  const loop = async (): Promise<void> => {
    while (!peer.isClosed) {
      const open = await Promise.race([peer.next('channel.open'), peer.closed.then(() => undefined)]);
      if (open === undefined) return;
      await peer.sendMethod(open.channel, 'channel.open-ok', {});
    }
  };
  void loop();
}

/** Answers the client's connection.close with close-ok, then hangs up. */
function answerConnectionClose(peer: FakePeer): void {
  void Promise.race([peer.next('connection.close'), peer.closed.then(() => undefined)]).then(async (close) => {
    if (close === undefined) return;
    await peer.sendMethod(0, 'connection.close-ok', {});
    peer.socket.end();
  });
}
