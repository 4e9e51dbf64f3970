import { describe, it, expect } from '@jest/globals';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { jittered, retryDelays } from '../../../../lib/transport/options/retry-options.js';

describe('retry options', () => {
  it('delays checked at start-up: past a timer, past a TTL, unknown keys, bad jitter', () => {
    expect(() => QueueConsumer('q', { retry: { attempts: 1, delay: 3e9 } })).toThrow(/retry\.delay.*in-process timer/);
    expect(() => QueueConsumer('q', { retry: { attempts: 1, delay: 3e9, via: 'broker' } })).not.toThrow();
    expect(() => QueueConsumer('q', { retry: { attempts: 3, delay: 3e9, backoff: 2, via: 'broker' } })).toThrow(/attempt 2 would wait 6000000000 ms/);
    expect(() => QueueConsumer('q', { retry: { attempts: 1, delay: 0, via: 'broker' } })).toThrow(/at least 1 ms/);
    expect(() => QueueConsumer('q', { retry: { attempts: 1, dela: 5 } as never })).toThrow(/retry\.dela.*unknown option.*delay/);
    expect(() => QueueConsumer('q', { retry: { attempts: 1, jitter: 2 } })).toThrow(/retry\.jitter/);
    expect(() => QueueConsumer('q', { retry: { attempts: 1, via: 'timer' as never } })).toThrow(/retry\.via/);
  });

  it('a ladder of delays, capped; jitter only shortens', () => {
    expect(retryDelays({ attempts: 5, delay: 100, backoff: 3, maxDelay: 1000 })).toEqual([100, 300, 900, 1000, 1000]);
    expect(jittered(1000, 0.2, () => 1)).toBe(800);
    expect(jittered(1000, 0.2, () => 0)).toBe(1000);
  });
});
