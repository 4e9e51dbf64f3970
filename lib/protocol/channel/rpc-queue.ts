/**
 * The channel's outbound order: one synchronous method in flight at a time, and every frame the user
 * asked for after a queued synchronous method waits behind it, so the broker sees calls in the order
 * they were made (a publish never overtakes the exchange.bind called before it). When nothing waits,
 * frames go straight to the socket and this queue costs one length check.
 */
import type { AnyMethod, BasicProperties } from '../codec/index.js';

/** One outbound frame waiting for its turn. */
export interface Outbound {
  readonly frame: Buffer;
  /** Method ids that answer it (a synchronous method); null when no reply is expected. */
  readonly responses: readonly number[] | null;
  /** Whether the broker's channel.flow pause holds it back (content-bearing methods). */
  readonly isContent: boolean;
  /** Called right after the frame was handed to the socket; `accepted` is the link's write() result. */
  sent(accepted: boolean): void;
  /** The method's name, for a synchronous method (what a timeout names). */
  readonly name?: string;
  /** The reply, synchronously as it is read (a consumer must exist before its first delivery). */
  reply(method: AnyMethod, properties?: BasicProperties, body?: Buffer): void;
  /** The channel or connection went away before the frame was answered (or sent). */
  fail(error: Error): void;
}

export class RpcQueue {
  private inFlight: Outbound | undefined = undefined;
  private waiting: Array<Outbound | undefined> = [];
  private head = 0;
  private paused = false;

  /**
   * @param write hands a frame to the socket
   * @param onInFlight a synchronous method was just written and now waits for its reply
   */
  constructor(
    private readonly write: (frame: Buffer) => boolean,
    private readonly onInFlight?: (entry: Outbound) => void,
  ) {}

  /** True when nothing waits: a frame without reply may be written at once, keeping the order. */
  get idle(): boolean {
    return this.head === this.waiting.length;
  }

  /** True when content must be held back (channel.flow active=false). */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The synchronous method waiting for its reply, if any. */
  get current(): Outbound | undefined {
    return this.inFlight;
  }

  push(entry: Outbound): void {
    this.waiting.push(entry);
    this.pump();
  }

  /** Whether `methodId` answers the method in flight. */
  expects(methodId: number): boolean {
    return (
      this.inFlight !== undefined &&
      this.inFlight.responses !== null &&
      this.inFlight.responses.includes(methodId)
    );
  }

  /** Removes and returns the method in flight (its reply arrived) and sends what waited behind it. */
  takeReply(): Outbound | undefined {
    const entry = this.inFlight;
    this.inFlight = undefined;
    return entry;
  }

  /** channel.flow: hold content-bearing frames (and everything behind them) until resumed. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.pump();
  }

  /** Writes waiting frames in order until a synchronous method is in flight or content is paused. */
  pump(): void {
    while (this.head < this.waiting.length) {
      const entry = this.waiting[this.head] as Outbound;
      if (entry.responses !== null && this.inFlight !== undefined) break;
      if (entry.isContent && this.paused) break;
      this.waiting[this.head] = undefined; // let the frame be collected while the rest waits
      this.head++;
      if (entry.responses !== null) this.inFlight = entry;
      entry.sent(this.write(entry.frame));
      if (entry.responses !== null && this.inFlight === entry) this.onInFlight?.(entry);
    }
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  /** Fails the method in flight and everything waiting; the queue is empty afterwards. */
  failAll(error: Error): void {
    const entries: Outbound[] = [];
    if (this.inFlight !== undefined) entries.push(this.inFlight);
    for (let i = this.head; i < this.waiting.length; i++) entries.push(this.waiting[i] as Outbound);
    this.inFlight = undefined;
    this.waiting = [];
    this.head = 0;
    for (const entry of entries) entry.fail(error);
  }

  /** Drops everything still waiting (not sent) without settling it; returns what was dropped. */
  dropWaiting(): Outbound[] {
    const dropped = this.waiting.slice(this.head) as Outbound[];
    this.waiting = [];
    this.head = 0;
    return dropped;
  }
}
