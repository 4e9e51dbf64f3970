/**
 * Log lines a producer can cause once per message (an unknown pattern, a message that cannot be
 * decoded, a failed handler) are rate-limited per kind: the first few of a kind in an interval are
 * written, the rest only counted, and one summary line per interval says how many were left out
 * (with the last of them). 50,000 bad messages write a handful of lines, not 50,000.
 */

/** Lines of one kind written in full per interval before the rest are only counted. */
export const REPEAT_BURST = 10;
/** The interval of the count, in milliseconds. */
export const REPEAT_INTERVAL_MS = 10_000;
/** Kinds tracked at once; past it the oldest is summed up and forgotten (a producer cannot grow the map). */
const MAX_KINDS = 256;

interface KindState {
  windowStart: number;
  written: number;
  suppressed: number;
  last: string;
  timer: NodeJS.Timeout | undefined;
}

/** @internal */
export class RepeatedLines {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly intervalMs: number = REPEAT_INTERVAL_MS,
    private readonly burst: number = REPEAT_BURST,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Writes `line` through `write` unless `REPEAT_BURST` lines of `kind` were written this interval;
   * then counts it, and the interval's end writes one summary through the same `write`. `kind` must
   * not hold producer-controlled text (a queue name and a fixed label, say).
   */
  say(kind: string, line: string, write: (line: string) => void): void {
    const now = this.now();
    let state = this.kinds.get(kind);
    if (state !== undefined && now - state.windowStart >= this.intervalMs) {
      this.summarize(kind, state, write);
      state = undefined;
    }
    if (state === undefined) {
      if (this.kinds.size >= MAX_KINDS) this.evictOldest(write);
      state = { windowStart: now, written: 0, suppressed: 0, last: '', timer: undefined };
      this.kinds.set(kind, state);
    }
    if (state.written < this.burst) {
      state.written += 1;
      write(line);
      return;
    }
    state.suppressed += 1;
    state.last = line;
    if (state.timer === undefined) {
      const current = state;
      current.timer = setTimeout(() => {
        current.timer = undefined;
        if (this.kinds.get(kind) === current) this.summarize(kind, current, write);
      }, Math.max(0, this.intervalMs - (now - state.windowStart)));
      current.timer.unref();
    }
  }

  /** Writes the pending summaries now (on close) and forgets every kind. */
  flush(write?: (line: string) => void): void {
    for (const [kind, state] of [...this.kinds]) {
      if (write !== undefined) this.summarize(kind, state, write);
      else if (state.timer !== undefined) clearTimeout(state.timer);
    }
    this.kinds.clear();
  }

  private summarize(kind: string, state: KindState, write: (line: string) => void): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    this.kinds.delete(kind);
    if (state.suppressed === 0) return;
    const seconds = Math.max(1, Math.round((this.now() - state.windowStart) / 1000));
    write(`${state.suppressed} more like this in the last ${seconds} s (${REPEAT_BURST} written in full); the last: ${state.last}`);
  }

  private evictOldest(write: (line: string) => void): void {
    const oldest = this.kinds.entries().next().value;
    if (oldest !== undefined) this.summarize(oldest[0], oldest[1], write);
  }
}

/**
 * The kind of a failure line from its reason: the fixed text before the first quoted value or ':'
 * (what the package wrote, not what the message brought), cut short.
 */
export function reasonKind(reason: string): string {
  const cut = reason.search(/["':]/);
  return (cut < 0 ? reason : reason.slice(0, cut)).slice(0, 80);
}
