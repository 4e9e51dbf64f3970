/**
 * `nestjs-amqp-transport/protocol`: the AMQP 0-9-1 engine on its own (no Nest). Codec types, the
 * error tree, the continuation helper, parameters and credentials, Connection and Channel, and
 * automatic recovery (RecoveringConnection / RecoveringChannel).
 */
export * from './codec/index.js';
export * from './errors.js';
export { withContinuation, deferred, type Continuation, type Deferred } from './continuation.js';
export * from './parameters/index.js';
export * from './connection/index.js';
export * from './channel/index.js';
export { OUTBOUND_HIGH_WATER_MARK } from './io/socket-transport.js';
export type { Clock, CancelTimer } from './io/clock.js';
export * from './recovery/index.js';
export {
  DIAGNOSTICS_CHANNELS,
  type ConfirmDiagnostic,
  type ConnectionDiagnostic,
  type DeliverDiagnostic,
  type PublishDiagnostic,
  type ReturnDiagnostic,
  type SettleDiagnostic,
} from './diagnostics.js';
