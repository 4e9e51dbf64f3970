/**
 * What publishWithRetry keeps for a re-send while it is written and unconfirmed is counted by the
 * outage budget beside what waits: the budget's own counters (keep / unkeep), then over the fake
 * engine in confirm mode (confirm, nack, loss, refusal past the bound while connected), and a
 * property: for any interleaving of publishes, confirms, nacks, a socket over its mark and losses,
 * what the budget counts is the sum of the bodies kept, never negative, never past the bound.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { OutageBudgetError, PublishNackedError } from '../../../lib/protocol/index.js';
import { OutageBudget } from '../../../lib/protocol/recovery/outage-budget.js';
import type { RecoveringChannel } from '../../../lib/protocol/recovery/index.js';
import { FakeBroker } from './fake-broker.js';
import type { FakeChannel } from './fake-channel.js';
import { openOver, settle, until } from './recovery-harness.js';

function budget(limits: { maxBytes?: number; maxMessages?: number } = {}): OutageBudget {
  return new OutageBudget({ maxBytes: 100, maxMessages: 10, deadlineMs: 60_000, ...limits });
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

const engine = (channel: RecoveringChannel): FakeChannel => channel.unwrap() as FakeChannel;

describe('the outage budget counts what is kept unconfirmed', () => {
  it('keep() and unkeep() count beside the holds, against the same bounds, with no deadline', () => {
    const outage = budget({ maxBytes: 100, maxMessages: 3 });
    outage.keep(60);
    expect(outage.counters).toMatchObject({ messages: 0, bytes: 0, unconfirmedMessages: 1, unconfirmedBytes: 60 });
    // A hold does not fit beside what is kept, nor does more kept.
    expect(caught(() => outage.admit(41, () => undefined))).toMatchObject({ bound: 'bytes', heldBytes: 60, maxBytes: 100 });
    expect(caught(() => outage.keep(41))).toBeInstanceOf(OutageBudgetError);
    const hold = outage.admit(40, () => undefined);
    expect(caught(() => outage.keep(1))).toMatchObject({ bound: 'bytes' });
    // A move of something counted a moment ago is never refused.
    hold.release();
    outage.keep(40, true);
    expect(outage.counters).toMatchObject({ bytes: 0, unconfirmedMessages: 2, unconfirmedBytes: 100, peakBytes: 100 });
    outage.unkeep(60);
    outage.unkeep(40);
    expect(outage.counters).toMatchObject({ unconfirmedMessages: 0, unconfirmedBytes: 0, peakMessages: 2 });
    expect(caught(() => budget({ maxMessages: 0 }).keep(0))).toMatchObject({ bound: 'messages' });
    expect(outage.counters.refused).toEqual({ bytes: 3, messages: 0, deadline: 0 });
  });

  it('publishWithRetry counts its body from the write to the confirm or the nack, and refuses past the bound while connected', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { outage: { maxBytes: 10 } });
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const first = channel.publishWithRetry('', 'q', 'aaaa');
    const second = channel.publishWithRetry('', 'q', 'bbbbbb');
    expect(connection.outage).toMatchObject({ messages: 0, unconfirmedMessages: 2, unconfirmedBytes: 10 });
    // Connected, the socket under its mark: still refused, as a held one would be.
    await expect(channel.publishWithRetry('', 'q', 'c')).rejects.toMatchObject({ bound: 'bytes', heldBytes: 10 });
    // basicPublish keeps nothing once written: not counted (its confirm is left pending).
    void channel.basicPublish('', 'q', 'plain').catch(() => undefined);
    expect(connection.outage).toMatchObject({ unconfirmedMessages: 2, unconfirmedBytes: 10 });
    expect(engine(channel).published).toEqual(['aaaa', 'bbbbbb', 'plain']);
    const [ofFirst, ofSecond] = engine(channel).pending;
    ofFirst?.resolve();
    await first;
    expect(connection.outage).toMatchObject({ unconfirmedMessages: 1, unconfirmedBytes: 6 });
    ofSecond?.reject(new PublishNackedError(2));
    await expect(second).rejects.toBeInstanceOf(PublishNackedError);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0, unconfirmedMessages: 0, unconfirmedBytes: 0, peakBytes: 10 });
    await connection.close();
  });

  it('a loss moves what was kept into a hold (never refused by what came since) and the re-send counts it again', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { initialDelayMs: 50, outage: { maxBytes: 8 } }, true);
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const kept = channel.publishWithRetry('', 'q', 'kept-one');
    expect(connection.outage).toMatchObject({ unconfirmedBytes: 8 });
    broker.current.kill();
    // The loss reaches publishWithRetry through the engine's close callbacks and a promise chain: wait
    // for it (a fixed number of turns was not always enough on a loaded CI machine).
    await until(() => connection.outage.unconfirmedMessages === 0, 'the loss');
    expect(connection.outage).toMatchObject({ messages: 1, bytes: 8, unconfirmedMessages: 0, unconfirmedBytes: 0 });
    await expect(channel.publishWithRetry('', 'q', 'x')).rejects.toMatchObject({ bound: 'bytes' });
    await until(() => engine(channel).isOpen && engine(channel).pending.length === 1, 'the re-send on the new channel');
    expect(connection.outage).toMatchObject({ messages: 0, unconfirmedMessages: 1, unconfirmedBytes: 8 });
    engine(channel).ackAll();
    await kept;
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0, unconfirmedMessages: 0, unconfirmedBytes: 0 });
    await connection.close();
  });

  it('an onRetry callback that throws ends the publish with its error and leaves no room taken', async () => {
    const broker = new FakeBroker();
    const connection = await openOver(broker, { initialDelayMs: 50, outage: { maxBytes: 8 } }, true);
    const channel = await connection.channel();
    await channel.confirmDelivery();
    const refusal = new Error('the caller gives up');
    const kept = channel.publishWithRetry('', 'q', 'kept-one', undefined, undefined, {
      onRetry: () => {
        throw refusal;
      },
    });
    broker.current.kill();
    await expect(kept).rejects.toBe(refusal);
    expect(connection.outage).toMatchObject({ messages: 0, bytes: 0, unconfirmedMessages: 0, unconfirmedBytes: 0 });
    await until(() => connection.state === 'OPEN', 'recovery');
    await connection.close();
  });

  it('for any interleaving of publish, confirm, nack, a full socket, drain and loss: counted = bodies kept, within the bound', async () => {
    const MAX = 40;
    const step = fc.oneof(
      fc.record({ op: fc.constant('publish' as const), size: fc.integer({ min: 0, max: 16 }) }),
      fc.record({ op: fc.constant('confirm' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('nack' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('full' as const) }),
      fc.record({ op: fc.constant('drain' as const) }),
      fc.record({ op: fc.constant('loss' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const broker = new FakeBroker();
        const connection = await openOver(broker, { publishBuffer: true, outage: { maxBytes: MAX, maxMessages: 6 } });
        const channel = await connection.channel();
        await channel.confirmDelivery();
        // The bodies of the publishWithRetry calls not settled yet: what the process keeps.
        const unsettled = new Map<number, number>();
        const results: Array<Promise<void>> = [];
        const check = (): void => {
          const { bytes, messages, unconfirmedBytes, unconfirmedMessages } = connection.outage;
          const kept = [...unsettled.values()].reduce((sum, size) => sum + size, 0);
          expect(Math.min(bytes, messages, unconfirmedBytes, unconfirmedMessages)).toBeGreaterThanOrEqual(0);
          expect(bytes + unconfirmedBytes).toBe(kept);
          expect(messages + unconfirmedMessages).toBe(unsettled.size);
          expect(bytes + unconfirmedBytes).toBeLessThanOrEqual(MAX);
          expect(connection.outage.peakBytes).toBeLessThanOrEqual(MAX);
        };
        let id = 0;
        for (const s of steps) {
          const pending = engine(channel).pending;
          if (s.op === 'publish') {
            const key = (id += 1);
            unsettled.set(key, s.size);
            const done = channel.publishWithRetry('', 'q', 'x'.repeat(s.size));
            results.push(done.catch(() => undefined).finally(() => unsettled.delete(key)));
          } else if (s.op === 'confirm' && pending.length > 0) {
            pending.splice(s.at % pending.length, 1)[0]?.resolve();
          } else if (s.op === 'nack' && pending.length > 0) {
            pending.splice(s.at % pending.length, 1)[0]?.reject(new PublishNackedError(s.at));
          } else if (s.op === 'full' && connection.state === 'OPEN') {
            broker.current.writable = false;
          } else if (s.op === 'drain' && connection.state === 'OPEN') {
            broker.current.drain();
          } else if (s.op === 'loss' && connection.state === 'OPEN') {
            broker.current.kill();
          }
          await settle();
          check();
          if (connection.state !== 'OPEN') await until(() => connection.state === 'OPEN', 'recovery');
          await settle();
          check();
        }
        broker.current.drain();
        await settle();
        engine(channel).ackAll();
        await Promise.all(results);
        check();
        expect(connection.outage).toMatchObject({ bytes: 0, unconfirmedBytes: 0, messages: 0, unconfirmedMessages: 0 });
        await connection.close();
      }),
      { numRuns: 60 },
    );
  });
});
