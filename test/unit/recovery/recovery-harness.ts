/**
 * Driving the recovery wrappers over the fake engine (fake-broker.ts): opening a RecoveringConnection
 * over a FakeBroker, and waiting for promise chains and timers to run.
 */
import { ConnectionParameters } from '../../../lib/protocol/index.js';
import { RecoveringConnection, type RecoveryOptions } from '../../../lib/protocol/recovery/index.js';
import type { FakeBroker } from './fake-broker.js';

/** Lets queued promise continuations and timers of 0 ms run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A RecoveringConnection over `broker` at node-a, retrying after 1 ms unless `recovery` says
 * otherwise. `slow`: the backoff draws its ceiling (random 0 would make every delay 0).
 */
export function openOver(broker: FakeBroker, recovery: RecoveryOptions = {}, slow = false): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(new ConnectionParameters({ host: 'node-a', port: 5672 }), {
    connector: broker.connector,
    random: () => (slow ? 0.99 : 0),
    recovery: { initialDelayMs: 1, ...recovery },
  });
}

/** Polls until `condition` holds (recovery runs on timers and promise chains). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}
