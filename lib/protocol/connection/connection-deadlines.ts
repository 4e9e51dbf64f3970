/**
 * The connection's clocks in one place: stack_timeout (bring-up), handshake_timeout (the broker's
 * greeting), the close-ok wait, the blocked
 * timeout, the heartbeat checks and the write-progress checks (write_timeout). The machine asks {@link ConnectionDeadlines.next} for its one
 * timer and {@link ConnectionDeadlines.due} what has come due; it never sees a timer itself.
 */
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { WriteProgressMonitor, type OutboundProgress } from './write-progress-monitor.js';

/** What came due, most urgent first: all but 'heartbeat-send' end the connection. */
export type DueEvent =
  | 'stack'
  | 'handshake'
  | 'close'
  | 'blocked'
  | 'write-stalled'
  | 'heartbeat-dead'
  | 'heartbeat-send';

export class ConnectionDeadlines {
  /** When the bring-up must have reached OPEN. */
  stack: number | undefined;
  /** When connection.start must have arrived (the socket is up, the protocol header sent). */
  handshake: number | undefined;
  /** When close-ok must have arrived. */
  close: number | undefined;
  /** When a blocked connection is torn down. */
  blocked: number | undefined;
  heartbeat: HeartbeatMonitor | undefined;
  write: WriteProgressMonitor | undefined;

  /** The earliest deadline, or undefined. */
  next(): number | undefined {
    let next = this.stack;
    for (const d of [this.handshake, this.close, this.blocked, this.write?.nextCheckAt, this.heartbeat?.nextCheckAt]) {
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  /** Starts heartbeat checks at `now` with the current byte counters. */
  startHeartbeat(intervalSeconds: number, now: number, bytesSent: number, bytesReceived: number): void {
    this.heartbeat = new HeartbeatMonitor(intervalSeconds, now, bytesSent, bytesReceived);
  }

  /** Starts write-progress checks at `now` (write_timeout in ms, > 0). */
  startWriteChecks(timeoutMs: number, now: number): void {
    this.write = new WriteProgressMonitor(timeoutMs, now);
  }

  /**
   * What is due at `now` (a heartbeat or write-progress check runs, and moves its own deadline, only
   * when due; `progress` is asked only then).
   */
  due(now: number, bytesSent: number, bytesReceived: number, progress: () => OutboundProgress): DueEvent | undefined {
    if (this.stack !== undefined && now >= this.stack) return 'stack';
    if (this.handshake !== undefined && now >= this.handshake) return 'handshake';
    if (this.close !== undefined && now >= this.close) return 'close';
    if (this.blocked !== undefined && now >= this.blocked) return 'blocked';
    const write = this.write;
    if (write !== undefined && now >= write.nextCheckAt && write.check(now, progress()) === 'stalled') {
      return 'write-stalled';
    }
    const hb = this.heartbeat;
    if (hb === undefined || now < hb.nextCheckAt) return undefined;
    const verdict = hb.check(now, bytesSent, bytesReceived);
    return verdict === 'dead' ? 'heartbeat-dead' : verdict === 'send' ? 'heartbeat-send' : undefined;
  }

  clear(): void {
    this.stack = undefined;
    this.handshake = undefined;
    this.close = undefined;
    this.blocked = undefined;
    this.heartbeat = undefined;
    this.write = undefined;
  }
}
