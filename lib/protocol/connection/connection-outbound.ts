/**
 * The outbound side of one Connection's socket: the transport of the current attempt, whether the
 * socket is over its high-water mark (writers wait for drain, `isWritable` is false), the optional
 * frame-size backpressure monitor, and the drain that releases the writers and emits 'drain'.
 */
import type { EventEmitter } from 'node:events';
import type { Transport } from '../io/socket-transport.js';
import { BackpressureMonitor } from './backpressure-monitor.js';
import type { ConnectionCallbackSet } from './connection-callbacks.js';
import type { ConnectionWaiters } from './connection-waiters.js';
import { outboundProgressOf, type OutboundProgress } from './write-progress-monitor.js';

export class ConnectionOutbound {
  /** The current attempt's transport (undefined before the first and while one is being opened). */
  transport: Transport | undefined;
  readonly #waiters: ConnectionWaiters;
  readonly #callbacks: Pick<ConnectionCallbackSet<EventEmitter>, 'emit' | 'runBackpressure'>;
  readonly #backpressure = new BackpressureMonitor();
  #detectBackpressure = false;
  #overHighWater = false;

  constructor(waiters: ConnectionWaiters, callbacks: Pick<ConnectionCallbackSet<EventEmitter>, 'emit' | 'runBackpressure'>) {
    this.#waiters = waiters;
    this.#callbacks = callbacks;
  }

  /** A new attempt starts: no transport yet, under the high-water mark. */
  reset(detectBackpressure: boolean): void {
    this.transport = undefined;
    this.#detectBackpressure = detectBackpressure;
    this.#overHighWater = false;
  }

  /** A write went over the high-water mark and no drain came since. */
  get overHighWater(): boolean {
    return this.#overHighWater;
  }

  get bufferedBytes(): number {
    return this.transport?.bufferedBytes ?? 0;
  }

  get progress(): OutboundProgress {
    return outboundProgressOf(this.transport);
  }

  set backpressureMultiplier(n: number) {
    this.#backpressure.multiplier = n;
  }

  /** Hands bytes to the transport. false = not written (no transport) or over the high-water mark. */
  write(bytes: Buffer): boolean {
    const transport = this.transport;
    if (transport === undefined) return false;
    const ok = transport.write(bytes);
    if (!ok) this.#overHighWater = true;
    if (this.#detectBackpressure && this.#backpressure.record(bytes.length, transport.bufferedBytes)) {
      this.#callbacks.runBackpressure();
    }
    return ok;
  }

  /** Resolves at once under the high-water mark, else at the next drain (or rejects when the connection ends). */
  drained(): Promise<void> {
    return this.#overHighWater ? this.#waiters.drain() : Promise.resolve();
  }

  /** The transport's drain: writers go on, listeners hear 'drain'. */
  onDrain(): void {
    this.#overHighWater = false;
    this.#waiters.drained();
    const transport = this.transport;
    if (this.#detectBackpressure && transport !== undefined) this.#backpressure.observe(transport.bufferedBytes);
    this.#callbacks.emit('drain');
  }
}
