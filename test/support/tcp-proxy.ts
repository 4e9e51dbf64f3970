/**
 * A local TCP proxy in front of the broker for fault tests. `pause()` stops forwarding in both
 * directions while keeping every socket open (the client sees silence, not a close: the way a dead
 * network path or a hung broker looks, which only heartbeats can detect); `resume()` lets the held
 * bytes through; `dropAll()` destroys every connection (a hard disconnect). A cut network:
 * `freeze()` drops every byte both ways and keeps every socket open (no FIN, no RST reaches either
 * side, even when one of them closes), new connections included; `freeze({ stall: true })` also stops
 * reading, so the sender's kernel buffers fill and its writes stop making progress (a path that
 * takes nothing, the way a hung peer or a full window looks); `thaw()` heals the path for new
 * connections while the frozen ones stay dead (destroyed, as a NAT or firewall that forgot them).
 * `refuseNew(true)` resets every new connection at once (a node that is down); `setDelay(ms)` adds
 * latency to every chunk, both ways, keeping the order.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { BROKER_PORT } from './broker.js';
import { brokerVhost } from './broker-url.js';

export interface TcpProxyOptions {
  /** @default '127.0.0.1' */
  targetHost?: string;
  /** @default AMQP_URL's port, else 5672 */
  targetPort?: number;
  /** The port to listen on. @default an ephemeral one */
  listenPort?: number;
}

/** One proxied connection: the client side and the broker side. */
interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  /** Where clients connect: always 127.0.0.1. */
  readonly host = '127.0.0.1';
  #paused = false;
  #refusing = false;
  #delayMs = 0;
  readonly #pairs = new Set<Pair>();
  /** Pairs caught by freeze(): every byte they carry is dropped, no close is passed on. */
  readonly #frozen = new Set<Pair>();
  #freezing = false;
  /** Frozen pairs are not read either (freeze({ stall: true })). */
  #stalling = false;
  /** Chunks read but not yet forwarded because the proxy was paused, per destination socket. */
  readonly #held = new Map<Socket, { chunks: Buffer[]; count: (n: number) => void }>();
  /** Pairs whose one side closed during a pause: the other side learns of it on resume(). */
  readonly #closeOnResume = new Set<Pair>();
  #accepted = 0;
  #bytesToBroker = 0;
  #bytesToClient = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: Required<TcpProxyOptions>,
  ) {
    server.on('connection', (client) => this.#accept(client));
  }

  /** Starts a proxy on 127.0.0.1 on an ephemeral port. */
  static async start(options: TcpProxyOptions = {}): Promise<TcpProxy> {
    const target = { targetHost: options.targetHost ?? '127.0.0.1', targetPort: options.targetPort ?? BROKER_PORT, listenPort: options.listenPort ?? 0 };
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(target.listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TcpProxy(server, (server.address() as AddressInfo).port, target);
  }

  /** An AMQP URL through the proxy (guest/guest; AMQP_URL's vhost unless given, URL-encoded). */
  url(credentials = 'guest:guest', vhost = encodeURIComponent(brokerVhost())): string {
    return `amqp://${credentials}@${this.host}:${this.port}/${vhost}`;
  }

  /** Connections currently open through the proxy. */
  get connectionCount(): number {
    return this.#pairs.size;
  }

  /** Connections accepted since the proxy started (reconnects count again). */
  get acceptedCount(): number {
    return this.#accepted;
  }

  /** Bytes forwarded so far in each direction. */
  get bytes(): { toBroker: number; toClient: number } {
    return { toBroker: this.#bytesToBroker, toClient: this.#bytesToClient };
  }

  get paused(): boolean {
    return this.#paused;
  }

  /**
   * Stops forwarding in both directions; sockets stay open and bytes are held, not dropped. A side
   * that closes meanwhile is not reported to the other side until resume().
   */
  pause(): void {
    this.#paused = true;
    for (const { client, upstream } of this.#pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards what was held during the pause, then flows again. */
  resume(): void {
    this.#paused = false;
    for (const [destination, { chunks, count }] of this.#held) {
      for (const chunk of chunks) {
        if (destination.destroyed) break;
        count(chunk.length);
        destination.write(chunk);
      }
    }
    this.#held.clear();
    for (const pair of this.#closeOnResume) this.#finish(pair);
    this.#closeOnResume.clear();
    for (const { client, upstream } of this.#pairs) {
      client.resume();
      upstream.resume();
    }
  }

  /** While on, every new connection is reset as soon as it is accepted (the broker node is down). */
  refuseNew(on: boolean): void {
    this.#refusing = on;
  }

  get frozen(): boolean {
    return this.#freezing;
  }

  /**
   * Cuts the path: from now on every byte of every connection (and of new ones) is dropped, and no
   * close reaches the other side: each side sees silence. Only heartbeats or timeouts can tell.
   */
  freeze(options: { stall?: boolean } = {}): void {
    this.#freezing = true;
    this.#stalling = options.stall === true;
    for (const pair of this.#pairs) this.#catch(pair);
    for (const [destination] of this.#held) this.#held.delete(destination);
  }

  /** Puts a pair under the freeze: dropped, and with a stall not read at all. */
  #catch(pair: Pair): void {
    this.#frozen.add(pair);
    if (!this.#stalling) return;
    pair.client.pause();
    pair.upstream.pause();
  }

  /** Heals the path for new connections; those caught by the freeze are destroyed (they are dead). */
  thaw(): void {
    this.#freezing = false;
    this.#stalling = false;
    const frozen = [...this.#frozen];
    this.#frozen.clear();
    for (const pair of frozen) this.#destroy(pair);
  }

  /** Adds `ms` of latency to every chunk in both directions (0 = none). */
  setDelay(ms: number): void {
    this.#delayMs = ms;
  }

  /** Destroys every open connection, both sides (new connections are still accepted). */
  dropAll(): void {
    for (const pair of this.#pairs) this.#destroy(pair);
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#accepted++;
    if (this.#refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: this.target.targetHost, port: this.target.targetPort });
    const pair: Pair = { client, upstream };
    this.#pairs.add(pair);
    if (this.#freezing) this.#catch(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (this.#paused) {
      client.pause();
      upstream.pause();
    }
    this.#forward(pair, client, upstream, (n) => (this.#bytesToBroker += n));
    this.#forward(pair, upstream, client, (n) => (this.#bytesToClient += n));
    // either side ending or failing ends the pair, except while paused: a close is news too, and
    // a dead path carries none, so the other side keeps waiting until resume()
    for (const socket of [client, upstream]) {
      socket.on('error', () => this.#peerGone(pair));
      socket.on('close', () => this.#peerGone(pair));
    }
  }

  #forward(pair: Pair, from: Socket, to: Socket, count: (n: number) => void): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#frozen.has(pair)) return;
      if (this.#delayMs > 0) {
        setTimeout(() => {
          if (!this.#frozen.has(pair) && !to.destroyed) {
            count(chunk.length);
            to.write(chunk);
          }
        }, this.#delayMs);
        return;
      }
      if (this.#paused) {
        // a chunk already read when pause() ran is held, never forwarded early
        const held = this.#held.get(to) ?? { chunks: [], count };
        held.chunks.push(chunk);
        this.#held.set(to, held);
        return;
      }
      count(chunk.length);
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!this.#paused && !(this.#stalling && this.#frozen.has(pair))) from.resume();
        });
      }
    });
  }

  #peerGone(pair: Pair): void {
    // A cut path carries no news: the other side keeps its socket until thaw() destroys it.
    if (this.#frozen.has(pair)) return;
    if (this.#paused) this.#closeOnResume.add(pair);
    else this.#finish(pair);
  }

  /** Ends both sides after what was already written (a close frame still arrives), then destroys them. */
  #finish(pair: Pair): void {
    this.#closeOnResume.delete(pair);
    if (!this.#pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue;
      socket.resume();
      socket.end(() => socket.destroy());
      // a peer that never reads would keep end() pending forever
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  }

  #destroy(pair: Pair): void {
    this.#closeOnResume.delete(pair);
    this.#frozen.delete(pair);
    if (!this.#pairs.delete(pair)) return;
    this.#held.delete(pair.client);
    this.#held.delete(pair.upstream);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
