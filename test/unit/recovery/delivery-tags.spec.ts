import { describe, expect, it } from '@jest/globals';
import { StaleDeliveryError } from '../../../lib/protocol/index.js';
import { DeliveryTags } from '../../../lib/protocol/recovery/delivery-tags.js';

describe('DeliveryTags', () => {
  it('hands out engine tags unchanged on the first channel', () => {
    const tags = new DeliveryTags();
    expect([1, 2, 3].map((t) => tags.toUser(t))).toEqual([1, 2, 3]);
    expect(tags.toEngine(2, false)).toBe(2);
    expect(tags.isStale(3, false)).toBe(false);
  });

  it('shifts the tags of each new channel past every tag handed out before', () => {
    const tags = new DeliveryTags();
    tags.toUser(1);
    tags.toUser(5);
    tags.nextChannel();
    expect(tags.toUser(1)).toBe(6);
    expect(tags.toEngine(6, false)).toBe(1);
    tags.nextChannel();
    // No delivery on the second channel: the third starts right after it.
    tags.nextChannel();
    expect(tags.toUser(2)).toBe(8);
    expect(tags.toEngine(8, false)).toBe(2);
  });

  it('refuses tags of dead channels and every tag while suspended; 0 stays 0', () => {
    const tags = new DeliveryTags();
    tags.toUser(4);
    expect(() => tags.toEngine(4, true)).toThrow(StaleDeliveryError);
    tags.nextChannel();
    for (const stale of [1, 4]) {
      expect(tags.isStale(stale, false)).toBe(true);
      expect(() => tags.toEngine(stale, false)).toThrow(/before the last recovery/);
    }
    expect(tags.toEngine(0, false)).toBe(0);
    expect(tags.isStale(0, false)).toBe(false);
  });
});
