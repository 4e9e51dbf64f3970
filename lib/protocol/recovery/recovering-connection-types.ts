/**
 * The states and events of a RecoveringConnection. Its options, which name the connection itself, are
 * in recovering-connection.ts, so this file needs nothing above it.
 */
import type { AMQPError, RecoveryFailedError } from '../errors.js';

export type RecoveringConnectionState = 'CONNECTING' | 'OPEN' | 'RECOVERING' | 'CLOSING' | 'CLOSED';

/** Events, typed. `recovering` carries the loss; `recoveryFailed` the final error. */
export interface RecoveringConnectionEvents {
  open: [];
  close: [error: AMQPError | undefined];
  blocked: [reason: string];
  unblocked: [];
  /** Writable again (`isWritable`) after publishes had to wait for the socket to drain. */
  drain: [];
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
