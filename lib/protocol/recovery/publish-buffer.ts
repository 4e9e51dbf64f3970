/**
 * The FIFO of publishes that could not go to the socket: made while the connection is down, or while
 * it is up but its socket is over the high-water mark (outbound-gate.ts). It only orders; what it may
 * hold, and for how long, is the connection's outage budget (each entry is admitted there, and an
 * entry whose deadline passes is failed and dropped at once). The gate decides when to send its
 * entries (as the socket takes them) or fail them (when recovery gives up).
 */
import { PublishBufferFullError } from '../errors.js';
import type { OutageBudget, OutageHold } from './outage-budget.js';

/** What the buffer needs to know of an entry: its size in bytes, and how to fail it. */
export interface BufferedEntry {
  readonly bytes: number;
  reject(error: unknown): void;
}

export class PublishBuffer<E extends BufferedEntry> {
  // A Map keeps insertion order and lets an expired entry go (with its body) without a scan.
  private entries = new Map<number, { entry: E; hold: OutageHold }>();
  private sequence = 0;
  private heldBytes = 0;

  /** `enabled` false = buffering off: every offer is refused at once. */
  constructor(
    readonly enabled: boolean,
    private readonly budget: OutageBudget,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Appends an entry, counted by the outage budget. Throws PublishBufferFullError when buffering is
   * off (unless `always`: a publish waiting for the socket to drain), OutageBudgetError when the
   * budget refuses it; the entry is rejected with OutageBudgetError('deadline') if it is still here
   * at its deadline. Returns a function that takes the entry back out unsent and returns its room in
   * the budget (true), or false once it left (sent, expired, failed).
   */
  offer(entry: E, always = false): () => boolean {
    if (!this.enabled && !always) throw new PublishBufferFullError({ messages: 0, bytes: 0 }, {});
    const key = this.sequence;
    const hold = this.budget.admit(entry.bytes, (error) => {
      if (this.entries.delete(key)) this.heldBytes -= entry.bytes;
      entry.reject(error);
    });
    this.sequence += 1;
    this.entries.set(key, { entry, hold });
    this.heldBytes += entry.bytes;
    return () => this.withdraw(key);
  }

  /** Takes the oldest entry out and returns its room in the budget; undefined when empty. */
  shift(): E | undefined {
    const first = this.entries.entries().next();
    if (first.done === true) return undefined;
    const [key, { entry, hold }] = first.value;
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
    hold.release();
    return entry;
  }

  /** Takes every entry out, oldest first, and returns their room in the budget. */
  takeAll(): E[] {
    const taken: E[] = [];
    for (const { entry, hold } of this.entries.values()) {
      hold.release();
      taken.push(entry);
    }
    this.entries = new Map();
    this.heldBytes = 0;
    return taken;
  }

  /** Fails every held entry with `error` and empties the buffer. */
  rejectAll(error: unknown): void {
    for (const entry of this.takeAll()) entry.reject(error);
  }

  private withdraw(key: number): boolean {
    const held = this.entries.get(key);
    if (held === undefined) return false;
    this.entries.delete(key);
    this.heldBytes -= held.entry.bytes;
    held.hold.release();
    return true;
  }
}
