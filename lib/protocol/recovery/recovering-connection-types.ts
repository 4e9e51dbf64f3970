/** The public types of a RecoveringConnection: its states, events and options. */
import type { AMQPError, RecoveryFailedError } from '../errors.js';
import type { RecoveryConnector } from './reconnector.js';
import type { RecoveringConnection } from './recovering-connection.js';
import type { RecoveryOptions } from './recovery-options.js';

export type RecoveringConnectionState = 'CONNECTING' | 'OPEN' | 'RECOVERING' | 'CLOSING' | 'CLOSED';

/** Events, typed. `recovering` carries the loss; `recoveryFailed` the final error. */
export interface RecoveringConnectionEvents {
  open: [];
  close: [error: AMQPError | undefined];
  blocked: [reason: string];
  unblocked: [];
  error: [error: Error];
  recovering: [cause: AMQPError];
  /** One reconnection attempt (a pass over the hosts, or a restore) failed; another follows unless it was the last. */
  recoveryAttemptFailed: [error: AMQPError, attempt: number];
  recovered: [];
  recoveryFailed: [error: RecoveryFailedError];
  /** A recorded entity could not be restored (e.g. a 406 on re-declare); recovery went on without it. */
  topologyRecoveryError: [error: AMQPError, what: string];
  /** A server-named queue got a new name; calls made with the old name are mapped to it. */
  queueNameChanged: [oldName: string, newName: string];
}

export interface RecoveringConnectionOptions {
  onOpen?: (connection: RecoveringConnection) => void;
  onOpenError?: (connection: RecoveringConnection, error: AMQPError) => void;
  /** Called once, when the connection closes for good (undefined = closed by us). */
  onClose?: (connection: RecoveringConnection, error: AMQPError | undefined) => void;
  recovery?: RecoveryOptions;
  /** @internal Replaces the engine (unit tests). */
  connector?: RecoveryConnector;
  /** @internal Replaces Math.random in the backoff (unit tests). */
  random?: () => number;
}
