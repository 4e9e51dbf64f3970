/**
 * Write progress without timers or sockets: the owner calls {@link WriteProgressMonitor.check} at
 * {@link WriteProgressMonitor.nextCheckAt} with the outbound facts its transport observed (bytes
 * waiting to be handed to the operating system, and bytes handed over so far), and the monitor says
 * whether the link still moves.
 *
 * A link whose path froze (no FIN, no RST: a dead NAT entry, a hung peer) takes bytes until the
 * kernel's buffers are full, then takes none; heartbeats find that only after two intervals of
 * silence from the broker. This finds it after `writeTimeoutMs` of pending bytes with no progress.
 * Checks run every quarter of the timeout; the link is declared stalled only when bytes were pending
 * and none moved at every check spanning the whole timeout, so detection lands between 1 and 1.25
 * timeouts after the last progress, never earlier.
 */
import type { Transport } from '../io/socket-transport.js';

/** The outbound facts a transport observes. */
export interface OutboundProgress {
  /** Bytes accepted for writing and not yet handed to the operating system. */
  pendingBytes: number;
  /** Bytes handed to the operating system so far (only ever grows). */
  writtenBytes: number;
}

/** What a check decided. */
export type WriteVerdict = 'ok' | 'stalled';

export class WriteProgressMonitor {
  /** The timeout in milliseconds (> 0). */
  readonly timeoutMs: number;
  readonly #periodMs: number;
  #nextCheckAt: number;
  #lastWritten = -1;
  /** When the current stall was first seen (bytes pending, none written since); undefined = no stall. */
  #stalledSince: number | undefined;

  constructor(timeoutMs: number, now: number) {
    this.timeoutMs = timeoutMs;
    this.#periodMs = Math.max(1, Math.ceil(timeoutMs / 4));
    this.#nextCheckAt = now + this.#periodMs;
  }

  /** When the next check is due (ms, same clock as `now`). */
  get nextCheckAt(): number {
    return this.#nextCheckAt;
  }

  /** Decides at time `now` from the transport's facts: 'stalled' once nothing moved for the timeout. */
  check(now: number, progress: OutboundProgress): WriteVerdict {
    this.#nextCheckAt = now + this.#periodMs;
    const moved = progress.writtenBytes !== this.#lastWritten;
    this.#lastWritten = progress.writtenBytes;
    if (progress.pendingBytes === 0) {
      this.#stalledSince = undefined;
      return 'ok';
    }
    if (moved || this.#stalledSince === undefined) {
      // Bytes are pending now; they may have moved just before: the stall (if any) starts here.
      this.#stalledSince = now;
      return 'ok';
    }
    return now - this.#stalledSince >= this.timeoutMs ? 'stalled' : 'ok';
  }
}

/** What `transport` observed (nothing pending when there is none, or it does not observe progress). */
export function outboundProgressOf(transport: Transport | undefined): OutboundProgress {
  const writtenBytes = transport?.writtenBytes;
  if (transport === undefined || writtenBytes === undefined) return { pendingBytes: 0, writtenBytes: 0 };
  return { pendingBytes: transport.bufferedBytes, writtenBytes };
}
