/**
 * A scripted transport and a hand-advanced clock for driving the public Connection without a socket.
 * The "broker" side is the test: it reads what the connection wrote (decoded with the codec) and feeds
 * frames built with the codec's encoder.
 */
import {
  encodeContentFrames,
  encodeMethodFrame,
  FrameParser,
  PROTOCOL_HEADER,
  type AnyMethod,
  type MethodArgs,
  type MethodName,
} from '../../../lib/protocol/codec/index.js';
import type { AMQPError } from '../../../lib/protocol/errors.js';
import type { Clock } from '../../../lib/protocol/io/clock.js';
import type { Transport, TransportHandlers } from '../../../lib/protocol/io/socket-transport.js';
import type { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';

export class FakeClock implements Clock {
  current = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), fn, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Advances time, firing due timers in order (timers set while firing are honoured). */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.#timers = this.#timers.filter((t) => t.live);
    this.current = end;
  }

  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }
}

export interface Frame {
  channel: number;
  method: AnyMethod | undefined;
  heartbeat: boolean;
}

export class FakeTransport implements Transport {
  readonly written: Buffer[] = [];
  bufferedBytes = 0;
  /** What the kernel took so far; undefined = progress not observed (as an in-process transport). */
  writtenBytes: number | undefined = undefined;
  /** What write() answers (false = over the high-water mark). */
  writeResult = true;
  ended = false;
  destroyed = false;
  readonly frames: Frame[] = [];
  readonly #parser: FrameParser;
  #sawHeader = false;

  constructor(
    readonly parameters: ConnectionParameters,
    readonly handlers: TransportHandlers,
  ) {
    this.#parser = new FrameParser(
      {
        onMethod: (channel, method) => this.frames.push({ channel, method, heartbeat: false }),
        onContent: (channel, method) => this.frames.push({ channel, method, heartbeat: false }),
        onHeartbeat: () => this.frames.push({ channel: 0, method: undefined, heartbeat: true }),
        onFrameError: (error) => {
          throw error;
        },
      },
      { frameMax: 0 },
    );
  }

  write(bytes: Buffer): boolean {
    this.written.push(Buffer.from(bytes));
    this.bufferedBytes += bytes.length;
    let rest = bytes;
    if (!this.#sawHeader && bytes.subarray(0, 8).equals(PROTOCOL_HEADER)) {
      this.#sawHeader = true;
      rest = bytes.subarray(8);
    }
    if (rest.length > 0) this.#parser.push(rest);
    return this.writeResult;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** Names of the methods written ('heartbeat' for heartbeat frames). */
  names(channel?: number): string[] {
    return this.frames
      .filter((f) => channel === undefined || f.channel === channel)
      .map((f) => (f.heartbeat ? 'heartbeat' : f.method!.name));
  }

  last<N extends MethodName>(name: N): MethodArgs[N] {
    const frame = this.frames.filter((f) => f.method?.name === name).pop();
    if (frame?.method === undefined) throw new Error(`no ${name} written; written: ${this.names().join(', ')}`);
    return frame.method.args as MethodArgs[N];
  }

  broker<N extends MethodName>(name: N, args: Partial<MethodArgs[N]>, channel = 0): void {
    this.handlers.onData(encodeMethodFrame(channel, name, args));
  }

  brokerContent<N extends MethodName>(channel: number, name: N, args: Partial<MethodArgs[N]>, body: string): void {
    this.handlers.onData(encodeContentFrames(channel, name, args, {}, Buffer.from(body), 131072));
  }

  /** connect, start, tune, open-ok. */
  bringUp(tune: { channelMax?: number; frameMax?: number; heartbeat?: number } = {}): void {
    this.handlers.onConnect();
    this.broker('connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: { product: 'fake' },
      mechanisms: 'PLAIN',
      locales: 'en_US',
    });
    this.broker('connection.tune', { channelMax: 2047, frameMax: 131072, heartbeat: 0, ...tune });
    this.broker('connection.open-ok', {});
  }

  lose(error: AMQPError): void {
    this.handlers.onClose(error);
  }
}

/** Records every transport a connection asks for. */
export function transportRecorder(): { transports: FakeTransport[]; factory: (p: ConnectionParameters, h: TransportHandlers) => FakeTransport } {
  const transports: FakeTransport[] = [];
  return {
    transports,
    factory: (p, h) => {
      const t = new FakeTransport(p, h);
      transports.push(t);
      return t;
    },
  };
}

/** Lets queued nextTicks and promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
