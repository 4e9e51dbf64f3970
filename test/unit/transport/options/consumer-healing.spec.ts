import { describe, it, expect } from '@jest/globals';
import { InvalidOptionError } from '../../../../lib/protocol/errors.js';
import { DEFAULT_HEALING, healingDelay, readHealing } from '../../../../lib/transport/options/consumer-healing.options.js';
import { QueueConsumer } from '../../../../lib/transport/decorators/queue-consumer.decorator.js';
import { ServerAMQP } from '../../../../lib/transport/server/server-amqp.js';

describe('healing options', () => {
  it('defaults, false, and a partial object', () => {
    expect(readHealing('healing', undefined)).toEqual(DEFAULT_HEALING);
    expect(readHealing('healing', false)).toBe(false);
    expect(readHealing('healing', { attempts: 3 })).toEqual({ ...DEFAULT_HEALING, attempts: 3 });
  });

  it('unknown keys and bad values fail naming the option', () => {
    expect(() => readHealing('healing', { atempts: 3 })).toThrow(/healing\.atempts.*unknown option.*attempts/);
    expect(() => readHealing('healing', { maxDelay: 2 ** 31 })).toThrow(InvalidOptionError);
    expect(() => readHealing('healing', { initialDelay: 5000, maxDelay: 10 })).toThrow(/healing\.maxDelay/);
    expect(() => readHealing('healing', { attempts: 0 })).toThrow(/healing\.attempts/);
    expect(() => QueueConsumer('q', { healing: { attempts: -1 } })).toThrow(/healing\.attempts/);
    expect(() => new ServerAMQP({ healing: { nope: 1 } as never })).toThrow(/healing\.nope/);
  });

  it('the delay doubles up to maxDelay, with at most 20% jitter off', () => {
    const healing = { attempts: 10, initialDelay: 100, maxDelay: 1000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => healingDelay(healing, n, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(healingDelay(healing, 1, () => 1)).toBe(80);
  });
});
