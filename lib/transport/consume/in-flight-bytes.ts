import { PrefetchWindow } from './prefetch-window.js';

/** Bodies from this size up count against `maxInFlightBytes`: small ones cannot threaten memory within a prefetch window. */
export const COUNTED_BODY_BYTES = 64 * 1024;

/** What the byte bound asks of its consumer. */
export interface ByteFlow {
  /** Stop the flow (basic.cancel; in-flight deliveries still ack). */
  stop(): void;
  /** Start it again: basic.qos with the window's count, then basic.consume. */
  start(): void;
}

/**
 * A consumer's byte bound. RabbitMQ ignores basic.qos prefetch_size and applies a new per-consumer
 * prefetch count only to consumers started after it, so the bound is carried by the count: a
 * {@link PrefetchWindow} sized from the bodies seen, and when it changes the flow stops and starts
 * again (basic.cancel, then basic.qos and basic.consume) once the deliveries in flight have finished,
 * so at most the new window is ever held. As the last line, past `max` counted body bytes the flow
 * stops until the handlers brought them under half. In-flight bytes stay within `max` plus one
 * message for bodies no larger than the recent ones once the window has seen them: from the first
 * delivery when it starts at 1 (a bound given), else after the first window of big bodies. A stream
 * consumer (`window` undefined) keeps its configured prefetch: consuming it again would restart it at
 * its offset.
 */
export class InFlightBytes {
  private bytes = 0;
  private count = 0;
  private held = false;
  /** Held until the deliveries in flight have finished, to start again with a new window. */
  private resizing = false;

  /** The prefetch count the consumer asks for; undefined: the configured prefetch. */
  readonly window: PrefetchWindow | undefined;

  constructor(
    readonly max: number,
    /** The configured prefetch, the window's cap (0 = unlimited). */
    prefetch: number,
    private readonly flow: ByteFlow,
    /** The window's first count (1 when the bound was given, else the prefetch); undefined: no window. */
    start: number | undefined,
  ) {
    this.window = start === undefined ? undefined : new PrefetchWindow(max, prefetch, () => this.resize(), start);
  }

  /** Counted body bytes of the deliveries in flight. */
  get value(): number {
    return this.bytes;
  }

  /** True while the flow is stopped by the bound or a window change. */
  get isHeld(): boolean {
    return this.held;
  }

  /** A delivery of `size` bytes arrived; returns its release, to call once its handling has finished. */
  add(size: number): () => void {
    const counted = this.take(size);
    return () => this.give(counted);
  }

  /** A delivery of `size` bytes arrived; pass what it returns to {@link give} once its handling has finished (no closure per delivery). */
  take(size: number): number {
    const counted = size < COUNTED_BODY_BYTES ? 0 : size;
    this.count += 1;
    this.bytes += counted;
    this.window?.observe(size);
    if (this.bytes > this.max) this.hold();
    return counted;
  }

  private resize(): void {
    this.resizing = true;
    this.hold();
  }

  private hold(): void {
    if (this.held) return;
    this.held = true;
    this.flow.stop();
  }

  /** The handling of a delivery ended: `counted` is what {@link take} returned for it. */
  give(counted: number): void {
    this.count -= 1;
    this.bytes -= counted;
    if (!this.held || this.bytes > this.max / 2 || (this.resizing && this.count > 0)) return;
    this.held = false;
    this.resizing = false;
    this.flow.start();
  }
}
