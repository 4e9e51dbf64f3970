/**
 * The engine connection of the moment of a RecoveringConnection (a new one after every recovery) and
 * where its events go: its close to the recovery loop, connection.blocked/unblocked and what it
 * reports to the users' callbacks, its socket's drain to the outbound gate. An older engine's late
 * events are dropped: only the engine of the moment speaks for the connection.
 */
import type { EventEmitter } from 'node:events';
import type { AMQPError } from '../errors.js';
import type { EngineConnection } from './engine-port.js';
import type { OutboundGate } from './outbound-gate.js';
import type { RecoveringCallbacks } from './recovering-callbacks.js';
import type { RecoveringConnectionEvents } from './recovering-connection-types.js';
import type { RecoveryLoop } from './recovery-loop.js';

export class CurrentEngine {
  /** Undefined until the first connect succeeds. */
  engine: EngineConnection | undefined;

  constructor(
    /** Hears its close: the end, or a recovery. */
    private readonly recovery: Pick<RecoveryLoop, 'engineClosed'>,
    private readonly callbacks: Pick<RecoveringCallbacks<EventEmitter<RecoveringConnectionEvents>>, 'runBlocked' | 'runUnblocked' | 'report'>,
    /** Sends what waits as its socket drains. */
    private readonly gate: Pick<OutboundGate, 'engineDrained'>,
  ) {}

  /** Makes `engine` the connection of the moment, its callbacks and events wired. */
  attach(engine: EngineConnection): void {
    this.engine = engine;
    engine.addOnCloseCallback((_connection: unknown, error: AMQPError | undefined) => {
      if (engine === this.engine) this.recovery.engineClosed(error);
    });
    engine.addOnConnectionBlockedCallback((_connection: unknown, reason: string) => {
      if (engine === this.engine) this.callbacks.runBlocked(reason);
    });
    engine.addOnConnectionUnblockedCallback(() => {
      if (engine === this.engine) this.callbacks.runUnblocked();
    });
    engine.on('drain', () => {
      if (engine === this.engine) this.gate.engineDrained();
    });
    // Reported, not fatal (an oversize message skipped, say): this connection's 'error' listeners hear it.
    engine.on('error', (error) => this.callbacks.report(error, 'the engine connection'));
  }
}
