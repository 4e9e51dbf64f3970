/**
 * The lease's coalesced acks, against a model of the broker's unacked deliveries: for any order in
 * which handlers finish (acked, nacked or rejected), with deliveries arriving in between, every
 * `basic.ack` (single or `multiple`) names a delivery still unacked and covers only deliveries whose
 * handler finished with an ack; nothing is settled twice; a nack or reject always finds its delivery
 * still unacked (a multiple ack never swallows it: it splits the run); and once the promise jobs
 * queued have run, every decided ack has reached the broker (the bound on the delay).
 */
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import type { AmqpChannel } from '../../../../lib/transport/connection/connection-host.js';
import { ChannelLease, Delivery } from '../../../../lib/transport/consume/delivery.js';

type Outcome = 'ack' | 'nack' | 'reject';
type Command = { kind: 'deliver' } | { kind: 'finish'; pick: number; outcome: Outcome } | { kind: 'tick' };

/** The broker's side: unacked tags, and what each handler decided (checked when a frame arrives). */
class BrokerModel {
  readonly unacked = new Set<number>();
  readonly decided = new Map<number, Outcome>();
  readonly settledBy = new Map<number, Outcome>();
  frames = 0;

  deliver(tag: number): void {
    this.unacked.add(tag);
  }

  ack(tag: number, multiple: boolean): void {
    this.frames += 1;
    // RabbitMQ closes the channel (PRECONDITION_FAILED, unknown delivery tag) otherwise.
    expect(this.unacked.has(tag)).toBe(true);
    const covered = multiple ? [...this.unacked].filter((t) => t <= tag) : [tag];
    for (const t of covered) {
      expect({ tag: t, decided: this.decided.get(t) }).toEqual({ tag: t, decided: 'ack' });
      this.settle(t, 'ack');
    }
  }

  refuse(tag: number, outcome: Outcome): void {
    this.frames += 1;
    expect(this.unacked.has(tag)).toBe(true);
    expect(this.decided.get(tag)).toBe(outcome);
    this.settle(tag, outcome);
  }

  private settle(tag: number, outcome: Outcome): void {
    expect(this.settledBy.has(tag)).toBe(false);
    this.unacked.delete(tag);
    this.settledBy.set(tag, outcome);
  }
}

function channelFor(broker: BrokerModel): AmqpChannel {
  return {
    channelNumber: 1,
    isOpen: true,
    isStale: () => false,
    addOnCloseCallback: () => undefined,
    basicAck: (tag: number, multiple = false) => broker.ack(tag, multiple),
    basicNack: (tag: number) => broker.refuse(tag, 'nack'),
    basicReject: (tag: number) => broker.refuse(tag, 'reject'),
  } as unknown as AmqpChannel;
}

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Command>({ kind: 'deliver' }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('finish' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>('ack', 'ack', 'ack', 'nack', 'reject'),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Command>({ kind: 'tick' }) },
);

/** Every ack decided has reached the broker once the queued promise jobs ran. */
function expectNoAckHeldBack(broker: BrokerModel): void {
  for (const [tag, outcome] of broker.decided) if (outcome === 'ack') expect(broker.settledBy.get(tag)).toBe('ack');
}

async function settleJobs(): Promise<void> {
  // The lease flushes in a promise job: one macrotask later all of them have run.
  await new Promise((resolve) => setImmediate(resolve));
}

function finish(delivery: Delivery, outcome: Outcome, broker: BrokerModel): void {
  broker.decided.set(delivery.deliveryTag, outcome);
  if (outcome === 'ack') delivery.ack();
  else if (outcome === 'nack') delivery.nack(false);
  else delivery.reject(false);
}

describe('coalesced acks (ChannelLease)', () => {
  it('any completion order: acks only finished handlers, never twice, never over a nack, all within the bound', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 60 }), async (commands) => {
        const broker = new BrokerModel();
        const lease = new ChannelLease(channelFor(broker));
        const running: Delivery[] = [];
        let nextTag = 1;
        for (const step of commands) {
          if (step.kind === 'deliver') {
            broker.deliver(nextTag);
            running.push(new Delivery(lease, nextTag));
            nextTag += 1;
          } else if (step.kind === 'finish') {
            if (running.length === 0) continue;
            const [delivery] = running.splice(step.pick % running.length, 1);
            finish(delivery as Delivery, step.outcome, broker);
          } else {
            await settleJobs();
            expectNoAckHeldBack(broker);
          }
        }
        for (const delivery of running.splice(0)) finish(delivery, 'ack', broker);
        await settleJobs();
        expectNoAckHeldBack(broker);
        expect(broker.unacked.size).toBe(0);
        expect(broker.settledBy.size).toBe(nextTag - 1);
        for (const [tag, outcome] of broker.decided) expect(broker.settledBy.get(tag)).toBe(outcome);
      }),
      { numRuns: 300 },
    );
  });

  it('a burst of handlers finishing in one turn goes out as one multiple ack', async () => {
    const broker = new BrokerModel();
    const lease = new ChannelLease(channelFor(broker));
    const deliveries = Array.from({ length: 100 }, (_, i) => {
      broker.deliver(i + 1);
      return new Delivery(lease, i + 1);
    });
    for (const delivery of deliveries) finish(delivery, 'ack', broker);
    await settleJobs();
    expect(broker.frames).toBe(1);
    expect(broker.unacked.size).toBe(0);
  });
});
