/**
 * A scripted stand-in for the engine's Connection (the engine-port shape): its channels, its close,
 * blocked and drain callbacks, and the losses and back-pressure a test drives through it.
 */
import {
  type AMQPError,
  ConnectionClosedError,
  InvalidStateError,
} from '../../../lib/protocol/index.js';
import type { EngineChannel, EngineConnection } from '../../../lib/protocol/recovery/index.js';
import type { FakeBroker } from './fake-broker.js';
import { FakeChannel } from './fake-channel.js';

export class FakeConnection implements EngineConnection {
  isOpen = true;
  isBlocked = false;
  /** Under the socket's high-water mark: set false to make the gate hold publishes, then call drain(). */
  writable = true;
  /** Publishes the socket takes before it goes over its mark (undefined = no limit). */
  room: number | undefined;
  readonly serverProperties = {};
  readonly channelMax = 2047;
  readonly frameMax = 131072;
  readonly heartbeat = 60;
  readonly channels: FakeChannel[] = [];
  private readonly closeCallbacks: Array<(c: unknown, e: AMQPError | undefined) => void> = [];
  private readonly blockedCallbacks: Array<(c: unknown, reason: string) => void> = [];
  private readonly drainListeners: Array<() => void> = [];

  constructor(
    readonly broker: FakeBroker,
    readonly id: number,
  ) {}

  async channel(): Promise<EngineChannel> {
    if (!this.isOpen)
      throw new InvalidStateError('cannot open a channel: the connection is not open', 'CLOSED');
    const channel = new FakeChannel(this, this.channels.length + 1);
    this.channels.push(channel);
    this.broker.log.push(`c${this.id}.ch${channel.channelNumber} open`);
    return channel;
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.broker.log.push(`c${this.id} close`);
    this.die(
      undefined,
      new ConnectionClosedError({ replyCode: 200, replyText: 'Normal shutdown', initiator: 'client' }),
    );
  }

  async updateSecret(): Promise<void> {}

  addOnCloseCallback(cb: (c: unknown, e: AMQPError | undefined) => void): void {
    this.closeCallbacks.push(cb);
  }

  addOnConnectionBlockedCallback(cb: (c: unknown, reason: string) => void): void {
    this.blockedCallbacks.push(cb);
  }

  addOnConnectionUnblockedCallback(): void {}

  get isWritable(): boolean {
    return this.isOpen && this.writable;
  }

  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: 'error' | 'drain', listener: (() => void) | ((error: Error) => void)): this {
    if (event === 'drain') this.drainListeners.push(listener as () => void);
    return this;
  }

  /** A publish went to the socket: it may go over its mark. */
  wrote(): void {
    if (this.room === undefined) return;
    this.room -= 1;
    if (this.room <= 0) this.writable = false;
  }

  /** The socket went back under its high-water mark, with room for `room` more publishes. */
  drain(room?: number): void {
    this.room = room;
    this.writable = room === undefined || room > 0;
    for (const listener of this.drainListeners) listener();
  }

  /** The broker or the network ends the connection with `error` (what the engine reports). */
  kill(
    error: AMQPError = new ConnectionClosedError({
      replyCode: 320,
      replyText: 'CONNECTION_FORCED',
      initiator: 'broker',
    }),
  ): void {
    this.die(error, error as ConnectionClosedError);
  }

  block(reason: string): void {
    for (const cb of this.blockedCallbacks) cb(this, reason);
  }

  private die(reported: AMQPError | undefined, channelError: ConnectionClosedError): void {
    this.isOpen = false;
    // As the engine does: channels first, then the connection's callbacks.
    for (const channel of this.channels) channel.end(channelError);
    for (const cb of this.closeCallbacks) cb(this, reported);
  }
}
