/**
 * The connection's clocks in one place: stack_timeout (bring-up), handshake_timeout (the broker's
 * greeting), the close-ok wait, the blocked
 * timeout and the heartbeat checks. The machine asks {@link ConnectionDeadlines.next} for its one
 * timer and {@link ConnectionDeadlines.due} what has come due; it never sees a timer itself.
 */
import { HeartbeatMonitor } from './heartbeat-monitor.js';

/** What came due, most urgent first: the first three end the connection. */
export type DueEvent = 'stack' | 'handshake' | 'close' | 'blocked' | 'heartbeat-dead' | 'heartbeat-send';

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

  /** The earliest deadline, or undefined. */
  next(): number | undefined {
    let next = this.stack;
    for (const d of [this.handshake, this.close, this.blocked, this.heartbeat?.nextCheckAt]) {
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  /** Starts heartbeat checks at `now` with the current byte counters. */
  startHeartbeat(intervalSeconds: number, now: number, bytesSent: number, bytesReceived: number): void {
    this.heartbeat = new HeartbeatMonitor(intervalSeconds, now, bytesSent, bytesReceived);
  }

  /** What is due at `now` (a heartbeat check runs, and moves its own deadline, only when due). */
  due(now: number, bytesSent: number, bytesReceived: number): DueEvent | undefined {
    if (this.stack !== undefined && now >= this.stack) return 'stack';
    if (this.handshake !== undefined && now >= this.handshake) return 'handshake';
    if (this.close !== undefined && now >= this.close) return 'close';
    if (this.blocked !== undefined && now >= this.blocked) return 'blocked';
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
  }
}
