import { describe, it, expect } from '@jest/globals';
import { AttemptPlan, isRetryable } from '../../../lib/protocol/connection/attempt-plan.js';
import { BackpressureMonitor } from '../../../lib/protocol/connection/backpressure-monitor.js';
import { HeartbeatMonitor } from '../../../lib/protocol/connection/heartbeat-monitor.js';
import { WriteProgressMonitor } from '../../../lib/protocol/connection/write-progress-monitor.js';
import {
  AuthenticationError,
  ConnectionClosedError,
  ConnectionLostError,
  FrameError,
  HeartbeatTimeoutError,
  TimeoutError,
} from '../../../lib/protocol/errors.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';

describe('BackpressureMonitor', () => {
  it('fires once when the buffer passes average x multiplier, and again only after it fell below', () => {
    const m = new BackpressureMonitor();
    // Ten writes of 100 bytes: average 100, threshold 1000.
    const fired: boolean[] = [];
    for (let i = 1; i <= 10; i += 1) fired.push(m.record(100, i * 100));
    expect(fired).toEqual([false, false, false, false, false, false, false, false, false, false]);
    expect(m.record(100, 1100)).toBe(true);
    expect(m.record(100, 1200)).toBe(false); // still over: rate-limited
    expect(m.observe(0)).toBe(false); // drained: re-armed
    expect(m.record(100, 5000)).toBe(true);
  });

  it('uses the multiplier it is given', () => {
    const m = new BackpressureMonitor();
    m.multiplier = 2;
    expect(m.record(100, 200)).toBe(false);
    expect(m.record(100, 201)).toBe(true);
    expect(m.averageFrameSize).toBe(100);
    expect(() => {
      m.multiplier = 0;
    }).toThrow(RangeError);
  });
});

describe('HeartbeatMonitor', () => {
  it('asks for a heartbeat only after a silent period and declares death after 2 intervals of silence', () => {
    const m = new HeartbeatMonitor(4, 0, 0, 0);
    expect(m.nextCheckAt).toBe(2000);
    expect(m.check(2000, 50, 10)).toBe('ok'); // sent and received something
    expect(m.check(4000, 50, 20)).toBe('send'); // nothing sent for a period
    m.noteSent(58);
    expect(m.check(6000, 58, 20)).toBe('send');
    expect(m.check(8000, 58, 20)).toBe('send');
    expect(m.check(10_000, 58, 20)).toBe('send');
    expect(m.check(12_000, 58, 20)).toBe('dead'); // last byte noted at 4000: 8000 ms = 2 x 4 s
  });
});

describe('WriteProgressMonitor', () => {
  it('checks every quarter of the timeout and declares a stall only after a whole timeout without progress', () => {
    const m = new WriteProgressMonitor(4000, 0);
    expect(m.nextCheckAt).toBe(1000);
    expect(m.check(1000, { pendingBytes: 0, writtenBytes: 100 })).toBe('ok');
    // Bytes pending from here on, none written: the stall is first seen at 2000.
    expect(m.check(2000, { pendingBytes: 500, writtenBytes: 100 })).toBe('ok');
    expect(m.nextCheckAt).toBe(3000);
    expect(m.check(3000, { pendingBytes: 900, writtenBytes: 100 })).toBe('ok');
    expect(m.check(4000, { pendingBytes: 900, writtenBytes: 100 })).toBe('ok');
    expect(m.check(5000, { pendingBytes: 900, writtenBytes: 100 })).toBe('ok');
    expect(m.check(6000, { pendingBytes: 900, writtenBytes: 100 })).toBe('stalled');
  });

  it('never declares a slow link that keeps moving, nor an idle one with nothing pending', () => {
    const m = new WriteProgressMonitor(4000, 0);
    for (let i = 1; i <= 40; i += 1) expect(m.check(i * 1000, { pendingBytes: 1 << 20, writtenBytes: i })).toBe('ok');
    for (let i = 41; i <= 80; i += 1) expect(m.check(i * 1000, { pendingBytes: 0, writtenBytes: 40 })).toBe('ok');
    // Progress resets the clock: a stall after it is timed from the check that saw the progress.
    expect(m.check(81_000, { pendingBytes: 10, writtenBytes: 41 })).toBe('ok');
    expect(m.check(84_000, { pendingBytes: 10, writtenBytes: 41 })).toBe('ok');
    expect(m.check(85_000, { pendingBytes: 10, writtenBytes: 41 })).toBe('stalled');
  });
});

describe('AttemptPlan', () => {
  it('tries every host in order, connectionAttempts rounds, pausing retryDelay before each new round', () => {
    const a = new ConnectionParameters({ host: 'a', connectionAttempts: 2, retryDelay: 3 });
    const b = new ConnectionParameters({ host: 'b' });
    const plan = new AttemptPlan([a, b]);
    const seen: string[] = [];
    for (let next = plan.next(); next !== undefined; next = plan.next()) {
      seen.push(`${next.number}:${next.parameters.host}+${next.delayMs}`);
    }
    expect(seen).toEqual(['1:a+0', '2:b+0', '3:a+3000', '4:b+0']);
  });

  it('retries socket trouble and timeouts, never a broker refusal', () => {
    expect(isRetryable(new ConnectionLostError('refused'))).toBe(true);
    expect(isRetryable(new HeartbeatTimeoutError(5))).toBe(true);
    expect(isRetryable(new TimeoutError('stack', 15000))).toBe(true);
    expect(isRetryable(new AuthenticationError('ACCESS_REFUSED'))).toBe(false);
    expect(isRetryable(new ConnectionClosedError({ replyCode: 530, replyText: 'x', initiator: 'broker' }))).toBe(false);
    expect(isRetryable(new FrameError('bad'))).toBe(false);
  });
});
