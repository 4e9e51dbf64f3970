/**
 * The owner's side of the {@link ConnectionMachine} seam: where the machine's bytes and events go.
 * The public Connection implements it over a socket; the unit tests over a recording harness.
 */
import type { AnyMethod, BasicProperties } from '../codec/index.js';
import type { AMQPError, BodyTooLargeError } from '../errors.js';
import type { OutboundProgress } from './write-progress-monitor.js';

/** What the machine asks of its owner. None of these may throw back into the machine. */
export interface ConnectionMachineHooks {
  /** Bytes for the socket. Returns false when the outbound buffer is over its high-water mark. */
  write(bytes: Buffer): boolean;
  /** The connection reached OPEN. */
  opened(): void;
  /**
   * The connection reached CLOSED. `error` undefined = closed cleanly at our request.
   * `graceful`: flush what was written, then end the socket; otherwise destroy it at once.
   */
  closed(error: AMQPError | undefined, graceful: boolean): void;
  blocked(reason: string): void;
  unblocked(): void;
  secretUpdated(): void;
  /** Whether channel N > 0 exists (asked before content for it is assembled). */
  hasChannel(channel: number): boolean;
  /** A method for channel N > 0. Returns false when no channel N exists. */
  channelMethod(channel: number, method: AnyMethod): boolean;
  /** A content-carrying method for channel N > 0 with its properties and whole body. false = unknown channel. */
  channelContent(channel: number, method: AnyMethod, properties: BasicProperties, body: Buffer): boolean;
  /** A content-carrying method whose body was over maxBodySize and skipped unread. false = unknown channel. */
  channelOversizeContent(channel: number, method: AnyMethod, properties: BasicProperties, tooLarge: BodyTooLargeError): boolean;
  /**
   * What the transport observed of the outbound bytes (asked at each write-progress check). Absent =
   * nothing observed: the write timeout never fires.
   */
  outboundProgress?(): OutboundProgress;
  /** A deadline was added or removed: re-arm the timer at {@link ConnectionMachine.nextDeadline}. */
  deadlinesChanged(): void;
}
