/**
 * Driving the recovery wrappers over the fake engine (fake-broker.ts): opening a RecoveringConnection
 * over a FakeBroker, reaching a channel's engine channel, the loss a test reports, and waiting for
 * promise chains and timers to run.
 */
import { ConnectionClosedError, ConnectionParameters } from '../../../lib/protocol/index.js';
import {
  RecoveringConnection,
  type RecoveringChannel,
  type RecoveryOptions,
} from '../../../lib/protocol/recovery/index.js';
import type { FakeBroker } from './fake-broker.js';
import type { FakeChannel } from './fake-channel.js';

export const hostA = new ConnectionParameters({ host: 'node-a', port: 5672 });
export const hostB = new ConnectionParameters({ host: 'node-b', port: 5673 });

/** Lets queued promise continuations and timers of 0 ms run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A RecoveringConnection over `broker` at `hosts`, drawing `random`, retrying after 1 ms unless `recovery` says otherwise. */
function connectOver(
  broker: FakeBroker,
  hosts: ConnectionParameters | ConnectionParameters[],
  random: () => number,
  recovery: RecoveryOptions,
): Promise<RecoveringConnection> {
  return RecoveringConnection.connect(hosts, {
    connector: broker.connector,
    random,
    recovery: { initialDelayMs: 1, ...recovery },
  });
}

/**
 * A RecoveringConnection over `broker` at node-a, retrying after 1 ms unless `recovery` says
 * otherwise. `slow`: the backoff draws its ceiling (random 0 would make every delay 0).
 */
export function openOver(broker: FakeBroker, recovery: RecoveryOptions = {}, slow = false): Promise<RecoveringConnection> {
  return connectOver(broker, new ConnectionParameters({ host: 'node-a', port: 5672 }), () => (slow ? 0.99 : 0), recovery);
}

/** A RecoveringConnection over `broker` at `hosts` (node-a unless told), with no backoff jitter. */
export async function open(
  broker: FakeBroker,
  recovery: RecoveryOptions = {},
  hosts = [hostA],
): Promise<RecoveringConnection> {
  return connectOver(broker, hosts, () => 0, recovery);
}

/** The fake engine channel under `channel` now. */
export function engineChannel(channel: RecoveringChannel): FakeChannel {
  return channel.unwrap() as FakeChannel;
}

/** The broker's forced close, as a loss reports it. */
export function lost(): ConnectionClosedError {
  return new ConnectionClosedError({ replyCode: 320, replyText: 'CONNECTION_FORCED', initiator: 'broker' });
}

/** Polls until `condition` holds (recovery runs on timers and promise chains). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}
