/** Automatic recovery on top of the engine: reconnect, restore topology, buffer publishes. */
export { RecoveringConnection } from './recovering-connection.js';
export type { RecoveringConnectionOptions } from './recovering-connection.js';
export type { RecoveringConnectionEvents, RecoveringConnectionState } from './recovering-connection-types.js';
export { RecoveringChannel } from './recovering-channel.js';
export type {
  PublishRetryOptions,
  RecoveringChannelCloseCallback,
  RecoveringChannelState,
  RecoveringDeliveryCallback,
  RecoveringReturnCallback,
} from './recovering-channel.js';
export type { OutageOptions, RecoveryOptions } from './recovery-options.js';
export { DEFAULT_OUTAGE } from './recovery-options.js';
export type { OutageBudgetCounters } from './outage-budget.js';
export { backoffCeiling, backoffDelay, type BackoffPolicy } from './backoff.js';
export type { EngineChannel, EngineConnection } from './engine-port.js';
