/** The largest prefetch count basic.qos carries (a short); a configured prefetch of 0 (unlimited) is capped here under a byte bound. */
export const MAX_PREFETCH_COUNT = 65_535;
/** How many recent body sizes the estimate looks at (the largest of them counts). */
export const RECENT_BODIES = 16;

/**
 * The prefetch count a byte bound allows for bodies of `bodySize` bytes: max(1, floor(bound / size)),
 * capped by the configured prefetch (0 = unlimited, capped at {@link MAX_PREFETCH_COUNT}).
 */
export function allowedPrefetch(bound: number, bodySize: number, prefetch: number): number {
  const cap = prefetch === 0 ? MAX_PREFETCH_COUNT : Math.min(prefetch, MAX_PREFETCH_COUNT);
  if (bodySize <= 0) return cap;
  return Math.min(cap, Math.max(1, Math.floor(bound / bodySize)));
}

/**
 * A consumer's prefetch window sized by its byte bound. RabbitMQ ignores basic.qos prefetch_size,
 * so the count itself carries the bound: the window starts at `start` (1 when the bound was given)
 * and follows the largest of the recent body sizes. It is lowered at once when bodies grow (so the deliveries on the wire stay
 * within the bound) and raised only by a quarter or more, or up to the cap, so a steady stream of
 * similar bodies does not send basic.qos per message.
 */
export class PrefetchWindow {
  private current: number;
  private readonly recent: number[] = [];
  private next = 0;

  constructor(
    readonly bound: number,
    /** The configured prefetch (0 = unlimited). */
    readonly prefetch: number,
    /** Sends the new count (basic.qos); called only when it changes. */
    private readonly apply: (count: number) => void,
    /** The first count (0 = unlimited, the configured prefetch of 0). */
    start = 1,
  ) {
    this.current = start;
  }

  /** The count last asked of the broker (the one a new channel starts with). */
  get value(): number {
    return this.current;
  }

  /** A delivery with a body of `size` bytes arrived. */
  observe(size: number): void {
    if (this.recent.length < RECENT_BODIES) this.recent.push(size);
    else this.recent[this.next] = size;
    this.next = (this.next + 1) % RECENT_BODIES;
    const allowed = allowedPrefetch(this.bound, Math.max(...this.recent), this.prefetch);
    const current = this.current === 0 ? MAX_PREFETCH_COUNT : this.current;
    if (allowed === current) return;
    const cap = allowedPrefetch(this.bound, 0, this.prefetch);
    const raise = allowed >= current + Math.max(1, Math.ceil(current / 4)) || allowed === cap;
    if (allowed > current && !raise) return;
    this.current = allowed;
    this.apply(allowed);
  }
}
