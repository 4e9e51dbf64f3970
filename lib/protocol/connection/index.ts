/** The connection: state machine, negotiation, heartbeats, blocked, backpressure, and the public class. */
export { Connection } from './connection.js';
export type { ConnectionCallbacks, ConnectionEvents, IOLoop, ConnectionState } from './connection.js';
export { CONNECTION_TRANSITIONS, nextConnectionState } from './connection-state.js';
export { DEFAULT_BACKPRESSURE_MULTIPLIER } from './backpressure-monitor.js';
export { CLIENT_CAPABILITIES, CLIENT_PRODUCT, CLIENT_VERSION, FRAME_MAX_MINIMUM } from './negotiation.js';
export { TLS_VERIFICATION_OFF_WARNING } from './tls-warning.js';
