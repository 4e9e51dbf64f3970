/**
 * Loss and recovery of a RecoveringConnection: what the close of its engine connection leads to (the
 * end, or a recovery), and the recovery itself: attempts with backoff (each a pass over the hosts,
 * then a restore of channels and topology on the new engine connection) until one holds, the attempts
 * run out, or the connection is closed meanwhile (then it stops at its next step and leaves no timer).
 */
import { AuthenticationError, ConnectionLostError, RecoveryFailedError, type AMQPError } from '../errors.js';
import type { EngineConnection, FieldTable } from './engine-port.js';
import { isFinalLoginError, type Reconnector } from './reconnector.js';
import type { RecoveringChannel, RecoveringDeliveryCallback } from './recovering-channel.js';
import type { RecoveringConnectionEvents, RecoveringConnectionState } from './recovering-connection-types.js';
import type { ResolvedRecoveryOptions } from './recovery-options.js';
import type { TopologyRecord } from './topology-record.js';
import { asAMQPError, restoreTopology } from './topology-restorer.js';

/** What the loop reads and calls on its connection. */
export interface RecoveryLoopHost {
  readonly channels: ReadonlySet<RecoveringChannel>;
  readonly record: TopologyRecord<RecoveringChannel, RecoveringDeliveryCallback, FieldTable>;
  state(): RecoveringConnectionState;
  /** OPEN -> RECOVERING. */
  beginRecovery(): void;
  /** Makes `engine` the connection of the moment (its close and blocked callbacks wired). */
  attach(engine: EngineConnection): void;
  /** Emits on the connection; a listener that throws is reported, never thrown into the loop. */
  emit<E extends keyof RecoveringConnectionEvents>(event: E, ...args: RecoveringConnectionEvents[E]): void;
  /** The restore held: back to OPEN. */
  recovered(): void;
  /** Closed for good (`error` undefined = at the user's request). */
  finalize(error: AMQPError | undefined): void;
}

export class RecoveryLoop {
  private lost: AMQPError | undefined;

  constructor(
    private readonly host: RecoveryLoopHost,
    private readonly reconnector: Reconnector,
    private readonly options: ResolvedRecoveryOptions,
  ) {}

  /** The engine connection of the moment closed (`error` undefined = closed at our request). */
  engineClosed(error: AMQPError | undefined): void {
    const host = this.host;
    const state = host.state();
    if (state === 'CLOSING' || state === 'CLOSED') {
      host.finalize(undefined);
      return;
    }
    if (state === 'RECOVERING') {
      // The connection being restored died: the restore notices and tries the next attempt.
      this.lost = error ?? new ConnectionLostError('connection closed during recovery');
      return;
    }
    for (const channel of host.channels) channel.suspend();
    if (error === undefined || error instanceof AuthenticationError || !this.options.enabled) {
      host.finalize(error);
      return;
    }
    void this.recover(error);
  }

  private async recover(cause: AMQPError): Promise<void> {
    const host = this.host;
    host.beginRecovery();
    host.emit('recovering', cause);
    let lastError: AMQPError = cause;
    let attempt = 0;
    while (attempt < this.options.maxAttempts) {
      // A close during the last attempt must not leave a backoff timer holding the process open.
      if (host.state() !== 'RECOVERING') return;
      attempt += 1;
      await this.reconnector.sleepBefore(attempt);
      if (host.state() !== 'RECOVERING') return;
      let engine: EngineConnection;
      try {
        engine = await this.reconnector.connectOnce(attempt, () => host.state() === 'RECOVERING');
      } catch (error) {
        lastError = asAMQPError(error);
        host.emit('recoveryAttemptFailed', lastError, attempt);
        if (isFinalLoginError(lastError)) break;
        continue;
      }
      if (host.state() !== 'RECOVERING') {
        await engine.close().catch(() => undefined);
        return;
      }
      try {
        await this.restore(engine);
      } catch (error) {
        lastError = asAMQPError(error);
        host.emit('recoveryAttemptFailed', lastError, attempt);
        for (const channel of host.channels) channel.suspend();
        if (engine.isOpen) await engine.close(320, 'recovery failed').catch(() => undefined);
        continue;
      }
      if (host.state() !== 'RECOVERING') return;
      host.recovered();
      return;
    }
    if (host.state() !== 'RECOVERING') return;
    const failure = new RecoveryFailedError(attempt, lastError);
    host.emit('recoveryFailed', failure);
    host.finalize(failure);
  }

  private async restore(engine: EngineConnection): Promise<void> {
    const host = this.host;
    this.lost = undefined;
    host.attach(engine);
    for (const channel of [...host.channels]) {
      try {
        await channel.reopen(engine);
      } catch (error) {
        if (!engine.isOpen) throw error;
        channel.finalize(asAMQPError(error));
        host.emit('topologyRecoveryError', asAMQPError(error), `channel ${channel.channelNumber}`);
      }
    }
    if (this.options.topology) {
      await restoreTopology(engine, host.record, {
        error: (error, what) => host.emit('topologyRecoveryError', error, what),
        renamed: (from, to) => host.emit('queueNameChanged', from, to),
      });
    }
    // A channel whose engine channel the broker closed during the restore cannot be resumed.
    for (const channel of [...host.channels]) {
      if (channel.state === 'SUSPENDED' && !channel.unwrap().isOpen && engine.isOpen) {
        const error = channel.restoreError ?? new ConnectionLostError('the channel closed during recovery');
        channel.finalize(error);
      }
    }
    if (this.lost !== undefined || !engine.isOpen) {
      throw this.lost ?? new ConnectionLostError('connection closed during recovery');
    }
  }
}
