/** Bodies from this size up count against `maxInFlightBytes`: small ones cannot threaten memory within a prefetch window. */
export const COUNTED_BODY_BYTES = 64 * 1024;

/**
 * A consumer's byte bound: counts the body bytes of in-flight deliveries; past `max` it asks the
 * consumer to stop the flow (basic.cancel; in-flight deliveries still ack), and once the handlers
 * brought it under half, to start it again.
 */
export class InFlightBytes {
  private bytes = 0;
  private held = false;

  constructor(
    readonly max: number,
    private readonly stop: () => void,
    private readonly start: () => void,
  ) {}

  get value(): number {
    return this.bytes;
  }

  /** True while the flow is stopped by the bound. */
  get isHeld(): boolean {
    return this.held;
  }

  /** A delivery of `size` bytes arrived; returns its release (undefined when not counted). */
  add(size: number): (() => void) | undefined {
    if (size < COUNTED_BODY_BYTES) return undefined;
    this.bytes += size;
    if (this.bytes > this.max && !this.held) {
      this.held = true;
      this.stop();
    }
    return () => this.release(size);
  }

  private release(size: number): void {
    this.bytes -= size;
    if (!this.held || this.bytes > this.max / 2) return;
    this.held = false;
    this.start();
  }
}
