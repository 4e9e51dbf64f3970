/**
 * The outbound gate of a RecoveringConnection: publishes go to the socket only while the engine's
 * socket is under its high-water mark (1 MiB) and nothing older waits. Past it, and while the
 * connection is down, they wait here in FIFO order (the publish buffer, each entry counted by the
 * outage budget: bytes, messages, deadline, refused or failed with OutageBudgetError past a bound),
 * and their promises wait with them: backpressure the caller sees. The gate sends what waits as the
 * socket drains and once a recovery is complete, oldest first, stopping again at the mark, and emits
 * 'drain' once a publish made now would go straight out again.
 *
 * Without it a frozen link (no FIN, no RST) takes every publish into the socket's buffer until
 * heartbeats or the write timeout declare it dead: memory bounded by nothing.
 */
import { InvalidStateError } from '../errors.js';
import type { EngineConnection } from './engine-port.js';
import type { PublishBuffer } from './publish-buffer.js';
import type { BufferedPublish } from './publish-retry.js';
import type { RecoveringConnectionState } from './recovering-connection-types.js';

/** What the gate needs of its RecoveringConnection. */
export interface OutboundGateHost {
  state(): RecoveringConnectionState;
  engine(): EngineConnection | undefined;
  /** Writable again after a publish had to wait or the engine's socket went over its mark. */
  drained(): void;
}

export class OutboundGate {
  readonly #buffer: PublishBuffer<BufferedPublish>;
  readonly #host: OutboundGateHost;
  #pumping = false;
  #owesDrain = false;

  constructor(buffer: PublishBuffer<BufferedPublish>, host: OutboundGateHost) {
    this.#buffer = buffer;
    this.#host = host;
  }

  /** A publish made now goes straight to the socket: OPEN, nothing waiting, the socket under its mark. */
  get isWritable(): boolean {
    return !this.#pumping && this.#buffer.size === 0 && this.#socketTakes();
  }

  /**
   * Makes a publish wait. Up but over the mark, it waits whatever `publishBuffer` says; down, the
   * buffer refuses it when buffering is off. Throws InvalidStateError once the user closes, and
   * PublishBufferFullError / OutageBudgetError as the buffer does. Returns what takes it back out
   * (PublishBuffer.offer).
   */
  hold(entry: BufferedPublish): () => boolean {
    const state = this.#host.state();
    // Buffering is for an outage; a connection being closed by its user takes nothing more.
    if (state === 'CLOSING' || state === 'CLOSED') {
      throw new InvalidStateError('basic.publish: the connection is closing', state);
    }
    const connected = state === 'OPEN';
    const withdraw = this.#buffer.offer(entry, connected);
    if (connected) this.#owesDrain = true;
    return withdraw;
  }

  /** The engine's socket drained: send what waits. */
  engineDrained(): void {
    this.#owesDrain = true;
    this.pump();
  }

  /** Sends what waits, oldest first, while the socket takes it; 'drain' once nothing waits. */
  pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#buffer.size > 0 && this.#socketTakes()) this.#buffer.shift()?.send();
    } finally {
      this.#pumping = false;
    }
    if (this.#owesDrain && this.isWritable) {
      this.#owesDrain = false;
      this.#host.drained();
    }
  }

  #socketTakes(): boolean {
    return this.#host.state() === 'OPEN' && this.#host.engine()?.isWritable === true;
  }
}
