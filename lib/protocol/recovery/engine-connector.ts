/**
 * The one place recovery reaches for the engine's Connection class (everything else uses the
 * engine-port shapes, so the wrappers can be driven by fakes in unit tests).
 */
import { Connection } from '../connection/connection.js';
import type { ConnectionParameters } from '../parameters/connection-parameters.js';
import type { EngineConnection } from './engine-port.js';

/** Opens an engine connection to the first host that answers; the engine applies connectionAttempts. */
export function defaultConnector(hosts: readonly ConnectionParameters[]): Promise<EngineConnection> {
  return Connection.connect(hosts);
}
