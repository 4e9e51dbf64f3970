/**
 * Heartbeat bookkeeping without timers: the owner calls {@link HeartbeatMonitor.check} at
 * {@link HeartbeatMonitor.nextCheckAt} with the byte counters, and the monitor says what to do.
 *
 * Why counters and not timestamps: the hot paths (every inbound chunk, every outbound frame) only
 * add to a number; time is read once per check, every heartbeat/2 seconds. The cost of that is
 * granularity: a heartbeat goes out when a whole check period passed with nothing sent, and the
 * broker is declared dead when no byte arrived during checks spanning at least 2 x heartbeat
 * (detection lands between 2 and 2.5 heartbeats after the last byte, never earlier).
 */

/** What a check decided. */
export type HeartbeatVerdict = 'ok' | 'send' | 'dead';

export class HeartbeatMonitor {
  /** The negotiated interval in seconds (> 0). */
  readonly interval: number;
  readonly #periodMs: number;
  readonly #deadAfterMs: number;
  #nextCheckAt: number;
  #lastReceivedAt: number;
  #sentSnapshot: number;
  #receivedSnapshot: number;

  constructor(intervalSeconds: number, now: number, bytesSent: number, bytesReceived: number) {
    this.interval = intervalSeconds;
    this.#periodMs = (intervalSeconds * 1000) / 2;
    this.#deadAfterMs = intervalSeconds * 2000;
    this.#nextCheckAt = now + this.#periodMs;
    this.#lastReceivedAt = now;
    this.#sentSnapshot = bytesSent;
    this.#receivedSnapshot = bytesReceived;
  }

  /** When the next check is due (ms, same clock as `now`). */
  get nextCheckAt(): number {
    return this.#nextCheckAt;
  }

  /**
   * Decides at time `now`: 'dead' when nothing was received for 2 x heartbeat, 'send' when nothing
   * was sent since the last check (the caller sends a heartbeat frame), else 'ok'.
   */
  check(now: number, bytesSent: number, bytesReceived: number): HeartbeatVerdict {
    this.#nextCheckAt = now + this.#periodMs;
    if (bytesReceived !== this.#receivedSnapshot) {
      this.#receivedSnapshot = bytesReceived;
      this.#lastReceivedAt = now;
    } else if (now - this.#lastReceivedAt >= this.#deadAfterMs) {
      return 'dead';
    }
    const idle = bytesSent === this.#sentSnapshot;
    this.#sentSnapshot = bytesSent;
    return idle ? 'send' : 'ok';
  }

  /** Records the heartbeat frame the caller just sent, so it does not count as traffic next time. */
  noteSent(bytesSent: number): void {
    this.#sentSnapshot = bytesSent;
  }
}
