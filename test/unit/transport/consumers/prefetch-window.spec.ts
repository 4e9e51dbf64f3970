import { describe, it, expect } from '@jest/globals';
import { allowedPrefetch, MAX_PREFETCH_COUNT, PrefetchWindow, RECENT_BODIES } from '../../../../lib/transport/consume/prefetch-window.js';
import { InFlightBytes } from '../../../../lib/transport/consume/in-flight-bytes.js';

const MiB = 1024 * 1024;

describe('allowedPrefetch', () => {
  it('is floor(bound / body size), at least 1, capped by the configured prefetch', () => {
    expect(allowedPrefetch(4 * MiB, MiB, 40)).toBe(4);
    expect(allowedPrefetch(4 * MiB, 1.5 * MiB, 40)).toBe(2);
    expect(allowedPrefetch(16 * MiB, 4 * MiB, 40)).toBe(4);
    expect(allowedPrefetch(4 * MiB, 10 * MiB, 40)).toBe(1);
    expect(allowedPrefetch(4 * MiB, 1024, 40)).toBe(40);
    expect(allowedPrefetch(4 * MiB, 0, 40)).toBe(40);
  });

  it('caps an unlimited prefetch (0) at the largest count basic.qos carries', () => {
    expect(allowedPrefetch(256 * MiB, 10, 0)).toBe(MAX_PREFETCH_COUNT);
    expect(allowedPrefetch(256 * MiB, 4 * MiB, 0)).toBe(64);
    expect(allowedPrefetch(256 * MiB, 10, 100_000)).toBe(MAX_PREFETCH_COUNT);
  });
});

function window(bound: number, prefetch: number): { w: PrefetchWindow; sent: number[] } {
  const sent: number[] = [];
  const w = new PrefetchWindow(bound, prefetch, (count) => sent.push(count));
  return { w, sent };
}

describe('PrefetchWindow', () => {
  it('starts at 1 and opens to what the first body allows', () => {
    const { w, sent } = window(16 * MiB, 40);
    expect(w.value).toBe(1);
    w.observe(4 * MiB);
    expect(w.value).toBe(4);
    expect(sent).toEqual([4]);
  });

  it('a steady stream of bodies sends no further basic.qos', () => {
    const { w, sent } = window(16 * MiB, 40);
    for (let i = 0; i < 200; i += 1) w.observe(4 * MiB - (i % 7) * 1024);
    expect(sent).toEqual([4]);
  });

  it('small bodies open it to the configured prefetch at once', () => {
    const { w, sent } = window(256 * MiB, 100);
    w.observe(2_000);
    expect(sent).toEqual([100]);
  });

  it('a larger body lowers it at once; smaller ones raise it only after the larger has left the recent sizes', () => {
    const { w, sent } = window(16 * MiB, 40);
    w.observe(MiB);
    expect(w.value).toBe(16);
    w.observe(4 * MiB);
    expect(w.value).toBe(4);
    for (let i = 0; i < RECENT_BODIES - 1; i += 1) w.observe(MiB);
    expect(w.value).toBe(4);
    w.observe(MiB);
    expect(w.value).toBe(16);
    expect(sent).toEqual([16, 4, 16]);
  });

  it('raises only by a quarter or more (hysteresis), or up to the cap', () => {
    const { w, sent } = window(100 * MiB, 40);
    w.observe(10 * MiB);
    expect(sent).toEqual([10]);
    // Bodies just under 10 MiB would allow 11: not a quarter more, no basic.qos.
    for (let i = 0; i < RECENT_BODIES; i += 1) w.observe(9 * MiB);
    expect(w.value).toBe(10);
    // 8 MiB allows 12, under 10 + a quarter (13): none either; 7 MiB allows 14: a raise.
    for (let i = 0; i < RECENT_BODIES; i += 1) w.observe(8 * MiB);
    expect(w.value).toBe(10);
    for (let i = 0; i < RECENT_BODIES; i += 1) w.observe(7 * MiB);
    expect(w.value).toBe(14);
    // 2.6 MiB allows 38, then 2.4 MiB allows 40 = the cap: raised though only by 2.
    for (let i = 0; i < RECENT_BODIES; i += 1) w.observe(2.6 * MiB);
    expect(w.value).toBe(38);
    for (let i = 0; i < RECENT_BODIES; i += 1) w.observe(2.4 * MiB);
    expect(w.value).toBe(40);
    expect(sent).toEqual([10, 14, 38, 40]);
  });

  it('window x body size stays within the bound for any steady body size', () => {
    for (const size of [70_000, 300_000, MiB, 3 * MiB + 5, 4 * MiB, 9 * MiB]) {
      const { w } = window(16 * MiB, 1000);
      for (let i = 0; i < 3; i += 1) w.observe(size);
      expect(w.value * size <= 16 * MiB || w.value === 1).toBe(true);
      expect((w.value + 1) * size).toBeGreaterThan(16 * MiB);
    }
  });
});

describe('PrefetchWindow from the prefetch (the default bound)', () => {
  it('small bodies leave it alone; big ones lower it; an unlimited prefetch counts as the largest', () => {
    const sent: number[] = [];
    const small = new PrefetchWindow(256 * MiB, 10, (count) => sent.push(count), 10);
    small.observe(2_000);
    expect(sent).toEqual([]);
    small.observe(64 * MiB);
    expect(sent).toEqual([4]);
    const unlimited: number[] = [];
    const zero = new PrefetchWindow(256 * MiB, 0, (count) => unlimited.push(count), 0);
    zero.observe(2_000);
    expect(unlimited).toEqual([]);
    zero.observe(MiB);
    expect(unlimited).toEqual([256]);
  });
});

describe('InFlightBytes with its window', () => {
  function bound(sized = true) {
    const calls: string[] = [];
    const flow = { stop: () => calls.push('stop'), start: () => calls.push(`start ${bytes.window?.value ?? 40}`) };
    const bytes = new InFlightBytes(4 * MiB, 40, flow, sized ? 1 : undefined);
    return { calls, bytes };
  }

  it('a window change stops the flow and starts it with the new window once nothing is in flight', () => {
    const { calls, bytes } = bound();
    expect(bytes.window?.value).toBe(1);
    const first = bytes.add(MiB);
    expect(calls).toEqual(['stop']);
    first();
    expect(calls).toEqual(['stop', 'start 4']);
  });

  it('past the bound it stops, and starts again once the handlers brought it under half', () => {
    const { calls, bytes } = bound();
    bytes.add(MiB)();
    const releases = [1, 2, 3, 4].map(() => bytes.add(MiB));
    expect(bytes.value).toBe(4 * MiB);
    expect(calls).toEqual(['stop', 'start 4']);
    const fifth = bytes.add(MiB);
    expect(calls).toEqual(['stop', 'start 4', 'stop']);
    [...releases, fifth].slice(0, 3).forEach((release) => release());
    expect(calls).toEqual(['stop', 'start 4', 'stop', 'start 4']);
  });

  it('small bodies count as deliveries, not as bytes: the window opens to the prefetch after the first has finished', () => {
    const { calls, bytes } = bound();
    const first = bytes.add(1_000);
    const second = bytes.add(1_000);
    expect(bytes.value).toBe(0);
    first();
    expect(calls).toEqual(['stop']);
    second();
    expect(calls).toEqual(['stop', 'start 40']);
  });

  it('without a window (a stream consumer) only the byte count stops the flow', () => {
    const { calls, bytes } = bound(false);
    const releases = [1, 2, 3, 4].map(() => bytes.add(MiB));
    expect(calls).toEqual([]);
    bytes.add(MiB);
    expect(calls).toEqual(['stop']);
    releases.slice(0, 3).forEach((release) => release());
    expect(calls).toEqual(['stop', 'start 40']);
  });
});
