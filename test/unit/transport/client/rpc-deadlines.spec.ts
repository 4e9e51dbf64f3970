/**
 * RpcDeadlines: the timeouts of a client's calls on one timer. Calls of different timeout lengths
 * expire in deadline order, a restarted clock moves its call back, a stopped one never expires, and
 * no timer is left once nothing is in flight.
 */
import { describe, it, expect, jest, afterEach, beforeEach } from '@jest/globals';
import { RpcDeadlines } from '../../../../lib/transport/publish/rpc-deadlines.js';

describe('RpcDeadlines', () => {
  let clock = 0;
  const expired: string[] = [];
  const deadlines = (): RpcDeadlines<string> => new RpcDeadlines<string>((key) => expired.push(`${key}@${clock}`), () => clock);
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 1) {
      clock += 1;
      jest.advanceTimersByTime(1);
    }
  };

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 0;
    expired.length = 0;
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('expires calls of different lengths at their own deadlines, on one timer', () => {
    const d = deadlines();
    d.start('long', 300);
    d.start('short', 100);
    d.start('mid', 200);
    expect(jest.getTimerCount()).toBe(1);
    advance(99);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual(['short@100']);
    advance(200);
    expect(expired).toEqual(['short@100', 'mid@200', 'long@300']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('restarting a clock moves the call back; a stopped call never expires', () => {
    const d = deadlines();
    d.start('a', 100);
    d.start('b', 100);
    advance(90);
    d.start('a', 100); // a streamed reply: a now expires at 190
    d.stop('b', 100);
    advance(99);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual(['a@190']);
  });

  it('holds no timer once nothing is in flight, and clear() forgets every clock', () => {
    const d = deadlines();
    d.start('a', 100);
    d.stop('a', 100);
    expect(jest.getTimerCount()).toBe(0);
    d.start('b', 100);
    d.start('c', 50);
    d.clear();
    expect(jest.getTimerCount()).toBe(0);
    advance(200);
    expect(expired).toEqual([]);
    d.start('d', 10);
    advance(10);
    expect(expired).toEqual(['d@210']);
  });
});
