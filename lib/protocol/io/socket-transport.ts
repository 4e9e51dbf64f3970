/**
 * The one module that touches node:net and node:tls. It connects (socket_timeout covering the TCP
 * connect and the TLS handshake), applies the TCP options, coalesces the writes of one tick into one
 * syscall (small writes are copied into one staging buffer, a large one corks the socket; both are
 * flushed once the tick's process.nextTick callbacks and promise jobs have run, with writev when a
 * large write is among them),
 * tracks the outbound buffer against a high-water mark, observes write progress (what the kernel took
 * so far, for write_timeout), and turns every socket failure into one typed error delivered once
 * through `onClose`.
 *
 * No exception escapes a socket callback: a handler that throws is caught here, the socket is
 * destroyed and the failure reported through `onClose` as a ConnectionLostError carrying the cause.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { type AMQPError, ConnectionLostError, TimeoutError, TlsError } from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';
import { systemClock, type CancelTimer, type Clock } from './clock.js';

/** Outbound bytes above which `write` returns false and writers should wait for drain. */
export const OUTBOUND_HIGH_WATER_MARK = 1024 * 1024;
/**
 * Writes up to this size (acks, small methods and publishes) are copied into the tick's staging
 * buffer instead of being queued one by one on the socket: a tick's acks leave as one buffer, not
 * one stream write each and an iovec apiece.
 */
const STAGED_WRITE_MAX = 512;
/** The staging slab, used front to back: each flush hands its filled part to the socket and keeps the rest. */
const STAGE_SIZE = 16 * 1024;
const EMPTY = Buffer.alloc(0);
/** Resolved once: its then() queues the flush's promise job (queueMicrotask adds an AsyncResource per call). */
const RESOLVED = Promise.resolve();

/** What the transport reports. Each is called inside a guard; none may be relied on to throw. */
export interface TransportHandlers {
  /** TCP (and TLS) is up. */
  onConnect(): void;
  onData(chunk: Buffer): void;
  /** The outbound buffer went back under the high-water mark after `write` returned false. */
  onDrain(): void;
  /** The socket is gone; `error` is undefined only when we ended or destroyed it ourselves. Called once. */
  onClose(error: AMQPError | undefined): void;
}

/** A connected (or connecting) byte pipe. */
export interface Transport {
  /** Queues bytes (coalesced per tick). false = the outbound buffer is over its high-water mark. */
  write(bytes: Buffer): boolean;
  /** Bytes accepted by `write` and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /**
   * Bytes handed to the kernel so far (only grows). Absent = not observed: write progress is not
   * tracked for this transport (it never stalls, as an in-process one).
   */
  readonly writtenBytes?: number;
  /** Flushes what was written, then closes the socket. */
  end(): void;
  /** Closes the socket now, dropping unsent bytes. */
  destroy(): void;
}

/** How a connection obtains its transport (the tests pass a scripted one). */
export type TransportFactory = (parameters: ConnectionParameters, handlers: TransportHandlers) => Transport;

class SocketTransport implements Transport {
  readonly #socket: Socket | TLSSocket;
  readonly #handlers: TransportHandlers;
  readonly #highWaterMark: number;
  readonly #where: string;
  readonly #secure: boolean;
  #cancelConnectTimer: CancelTimer | undefined;
  #connected = false;
  /** A flush is scheduled for the end of this tick. */
  #flushScheduled = false;
  /** A write too large to stage corked the socket this tick. */
  #corked = false;
  /** The unused rest of the staging slab; bytes [0, #staged) of it are waiting for the tick's flush. */
  #stage: Buffer = EMPTY;
  #staged = 0;
  #needDrain = false;
  #closedByUs = false;
  #reported = false;
  #error: AMQPError | undefined;

  constructor(parameters: ConnectionParameters, handlers: TransportHandlers, clock: Clock, highWaterMark: number) {
    this.#handlers = handlers;
    this.#highWaterMark = highWaterMark;
    const { host, port } = parameters;
    this.#where = `${host}:${port}`;
    const secure = parameters.ssl;
    this.#secure = secure;
    if (secure) {
      const servername = isIP(host) === 0 ? host : undefined;
      this.#socket = tlsConnect({ host, port, ...(servername === undefined ? {} : { servername }), ...parameters.sslOptions });
    } else {
      this.#socket = netConnect({ host, port });
    }
    const socket = this.#socket;
    const { noDelay, keepAlive, keepAliveInitialDelay } = parameters.tcpOptions;
    socket.setNoDelay(noDelay);
    if (keepAlive) socket.setKeepAlive(true, keepAliveInitialDelay);

    const timeoutMs = parameters.socketTimeout * 1000;
    this.#cancelConnectTimer = clock.setTimer(timeoutMs, () =>
      this.#fail(
        new TimeoutError(
          `could not connect to ${this.#where} within socket_timeout ${parameters.socketTimeout} s`,
          timeoutMs,
          'ERR_AMQP_SOCKET_TIMEOUT',
        ),
      ),
    );
    socket.once(secure ? 'secureConnect' : 'connect', () => this.#guard(() => this.#onConnect()));
    socket.on('data', (chunk: Buffer) => this.#guard(() => this.#handlers.onData(chunk)));
    socket.on('drain', () => this.#guard(() => this.#onDrain()));
    socket.on('error', (error: Error) => this.#onError(error));
    socket.on('close', () => this.#report());
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength + this.#staged;
  }

  get writtenBytes(): number {
    // node counts a write in bytesWritten as soon as it is queued (buffered and in-flight writes
    // included); writableLength drops only once the kernel took a write. Their difference is what
    // the kernel took, and moves only when the network does.
    const socket = this.#socket;
    return Math.max(0, (socket.bytesWritten ?? 0) - socket.writableLength);
  }

  write(bytes: Buffer): boolean {
    const socket = this.#socket;
    // Between a failure (destroy) and its 'close' event node drops writes silently: never call that written.
    if (this.#reported || this.#closedByUs || socket.destroyed) return false;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // A nextTick scheduled from a promise job runs after every promise job queued so far (and those
      // they queue): a reply written by a callback and the ack written by the promise job that follows
      // it leave in one syscall, still before the event loop moves on.
      void RESOLVED.then(this.#scheduleFlush);
    }
    const n = bytes.length;
    if (n <= STAGED_WRITE_MAX) {
      if (this.#staged + n > this.#stage.length) {
        this.#flushStage();
        if (this.#stage.length < n) this.#stage = Buffer.allocUnsafeSlow(STAGE_SIZE);
      }
      this.#stage.set(bytes, this.#staged);
      this.#staged += n;
    } else {
      if (!this.#corked) {
        this.#corked = true;
        socket.cork();
      }
      this.#flushStage();
      socket.write(bytes);
    }
    if (socket.writableLength + this.#staged < this.#highWaterMark) return true;
    this.#needDrain = true;
    return false;
  }

  end(): void {
    if (this.#closedByUs) return;
    this.#closedByUs = true;
    this.#cancelConnect();
    this.#flush();
    this.#socket.end();
    // A peer that never reads would keep a half-closed socket around: make sure it goes.
    const socket = this.#socket;
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.#closedByUs = true;
    this.#cancelConnect();
    this.#socket.destroy();
  }

  readonly #scheduleFlush = (): void => {
    process.nextTick(this.#flush);
  };

  /** The tick's writes go: the staged bytes as one buffer, after (corked) the large writes before them. */
  readonly #flush = (): void => {
    if (!this.#flushScheduled) return;
    this.#flushScheduled = false;
    this.#flushStage();
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  };

  /** Hands the staged bytes to the socket as one write; the slab's unused rest stays for the next writes. */
  #flushStage(): void {
    const n = this.#staged;
    if (n === 0) return;
    const stage = this.#stage;
    this.#staged = 0;
    // a socket destroyed since (a failure in the same tick) drops unsent bytes anyway
    if (!this.#socket.destroyed) this.#socket.write(stage.subarray(0, n));
    this.#stage = stage.length - n >= STAGED_WRITE_MAX ? stage.subarray(n) : EMPTY;
  }

  #onConnect(): void {
    this.#connected = true;
    this.#cancelConnect();
    this.#handlers.onConnect();
  }

  #onDrain(): void {
    if (!this.#needDrain || this.#socket.writableLength >= this.#highWaterMark) return;
    this.#needDrain = false;
    this.#handlers.onDrain();
  }

  #onError(error: Error): void {
    if (this.#error !== undefined) return;
    if (this.#secure && isTlsFailure(error)) {
      this.#error = new TlsError(this.#where, error);
      return;
    }
    const verb = this.#connected ? `connection to ${this.#where} lost` : `could not connect to ${this.#where}`;
    this.#error = new ConnectionLostError(`${verb}: ${error.message}`, { cause: error });
  }

  #fail(error: AMQPError): void {
    if (this.#error === undefined) this.#error = error;
    this.#cancelConnect();
    this.#socket.destroy();
    // 'close' follows destroy() and reports #error.
  }

  #report(): void {
    if (this.#reported) return;
    this.#reported = true;
    this.#cancelConnect();
    let error = this.#error;
    if (error === undefined && !this.#closedByUs) {
      error = new ConnectionLostError(
        this.#connected ? `the broker at ${this.#where} closed the socket` : `could not connect to ${this.#where}`,
      );
    }
    if (this.#closedByUs) error = undefined;
    try {
      this.#handlers.onClose(error);
    } catch {
      // The owner's close handler failing leaves nothing further to report to: the socket is already gone.
    }
  }

  #cancelConnect(): void {
    this.#cancelConnectTimer?.();
    this.#cancelConnectTimer = undefined;
  }

  /** Runs a handler; an exception becomes a typed loss of the connection instead of escaping. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      this.#fail(new ConnectionLostError(`internal error in the data path: ${message}`, { cause: thrown }));
    }
  }
}

/**
 * The one seam for an in-process broker (the test kit's in-memory broker): a function stored on
 * `globalThis` under this registered symbol is asked first for every connection attempt and may
 * return a transport of its own (undefined = open a socket as usual). A global symbol rather than a
 * module variable, so the ESM and CommonJS copies of the package in one process see the same hook.
 * Unused, it costs one property read per connection attempt.
 */
const IN_PROCESS_TRANSPORT = Symbol.for('nestjs-amqp-transport.in-process-transport');
type InProcessTransport = (parameters: ConnectionParameters, handlers: TransportHandlers) => Transport | undefined;

/**
 * Opens a socket (TLS when `parameters.ssl`) to `parameters.host:port`.
 * @param options.clock timers for socket_timeout (tests pass their own)
 * @param options.highWaterMark outbound bytes above which `write` returns false
 */
export function connectSocket(
  parameters: ConnectionParameters,
  handlers: TransportHandlers,
  options: { clock?: Clock; highWaterMark?: number } = {},
): Transport {
  const inProcess = (globalThis as { [IN_PROCESS_TRANSPORT]?: InProcessTransport })[IN_PROCESS_TRANSPORT];
  if (inProcess !== undefined) {
    const transport = inProcess(parameters, handlers);
    if (transport !== undefined) return transport;
  }
  return new SocketTransport(
    parameters,
    handlers,
    options.clock ?? systemClock,
    options.highWaterMark ?? OUTBOUND_HIGH_WATER_MARK,
  );
}

/**
 * A TLS failure (an OpenSSL error or alert, or a certificate Node would not accept) as opposed to
 * a socket that went away: the former meets the same refusal on every attempt.
 */
function isTlsFailure(error: Error & { code?: string }): boolean {
  const code = error.code ?? '';
  if (code.includes('TIMEOUT')) return false;
  return (
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    /CERT|SIGNATURE|ISSUER|CRL/.test(code)
  );
}
