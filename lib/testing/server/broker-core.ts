/** What a server connection needs from the broker that accepted it. */
import type { BrokerClock } from '../clock.js';
import type { NotModelledError } from '../errors.js';
import type { FaultPlan } from './fault-plan.js';
import type { Journal } from '../broker/journal.js';
import type { VirtualHost } from '../broker/virtual-host.js';

/** Tuning the broker offers in connection.tune. */
export interface BrokerTuning {
  channelMax: number;
  frameMax: number;
  /** Seconds; 0 = heartbeats off unless the client asks for them. */
  heartbeat: number;
}

export interface BrokerCore {
  readonly clock: BrokerClock;
  readonly journal: Journal;
  readonly faults: FaultPlan;
  readonly tuning: BrokerTuning;
  /** The password of `user`, undefined when there is no such user. */
  password(user: string): string | undefined;
  vhost(name: string): VirtualHost | undefined;
  /** A behaviour that is not modelled was asked for (kept for `broker.stop()` to report). */
  notModelled(error: NotModelledError): void;
  connectionClosed(connection: object): void;
}
