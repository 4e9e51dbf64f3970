/**
 * The bounded FIFO of publishes made while the connection is down. It only counts and orders; the
 * connection decides when to flush it (after recovery) or fail it (when recovery gives up).
 */
import { PublishBufferFullError } from '../errors.js';
import type { PublishBufferOptions } from './recovery-options.js';

/** What the buffer needs to know of an entry: its size in bytes, and how to fail it. */
export interface BufferedEntry {
  readonly bytes: number;
  reject(error: unknown): void;
}

export class PublishBuffer<E extends BufferedEntry> {
  private entries: E[] = [];
  private heldBytes = 0;

  /** `false` = buffering off: every offer is refused at once. */
  constructor(private readonly bounds: Readonly<PublishBufferOptions> | false) {}

  get enabled(): boolean {
    return this.bounds !== false;
  }

  get size(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Appends an entry, or throws PublishBufferFullError when it would pass a bound (or buffering is off). */
  offer(entry: E): void {
    if (this.bounds === false) throw new PublishBufferFullError({ messages: 0, bytes: 0 }, {});
    const { maxMessages, maxBytes } = this.bounds;
    const overCount = maxMessages !== undefined && this.entries.length + 1 > maxMessages;
    const overBytes = maxBytes !== undefined && this.heldBytes + entry.bytes > maxBytes;
    if (overCount || overBytes) {
      throw new PublishBufferFullError({ messages: this.entries.length, bytes: this.heldBytes }, this.bounds);
    }
    this.entries.push(entry);
    this.heldBytes += entry.bytes;
  }

  /** Takes every entry out, oldest first. */
  takeAll(): E[] {
    const taken = this.entries;
    this.entries = [];
    this.heldBytes = 0;
    return taken;
  }

  /** Fails every held entry with `error` and empties the buffer. */
  rejectAll(error: unknown): void {
    for (const entry of this.takeAll()) entry.reject(error);
  }
}
