/**
 * The pieces of publishing through an outage: the entry held in the connection's buffer, the
 * options of publishWithRetry, and which failures a send on the next channel generation can fix.
 */
import {
  AuthenticationError,
  ChannelClosedError,
  ConnectionClosedError,
  InvalidStateError,
  RecoveryFailedError,
  StaleDeliveryError,
} from '../errors.js';
import type { BasicProperties, BasicPublishOptions } from './engine-port.js';

/** How publishWithRetry retries. */
export interface PublishRetryOptions {
  /** Re-sends after a loss before giving up with the last error. @default Infinity */
  maxRetries?: number;
  /** Told before each re-send (for logs and metrics). */
  onRetry?: (error: unknown, retry: number) => void;
}

/** A publish held while the connection is down; `send` writes it on the recovered channel (recovery's own wiring). */
export interface BufferedPublish {
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer | string;
  readonly properties: BasicProperties | undefined;
  readonly options: BasicPublishOptions | undefined;
  readonly bytes: number;
  send(): void;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * What publishTracked says of one send to its caller. `generation`: the channel generation that
 * wrote it (0: not written, still held or refused). `keepBytes`: -1 for basicPublish (nothing kept
 * once written); publishWithRetry's body size, counted by the outage budget while the publish is
 * written and unconfirmed (kept for a re-send), until the caller unkeeps it.
 */
export interface SendRecord {
  generation: number;
  readonly keepBytes: number;
}

/**
 * A publish failure that a newer channel generation can fix: the connection (or the engine channel
 * under it) went away. A channel error that closes the channel for good also lands here, but then the
 * wait for the next generation rejects with that error, so it is never retried.
 */
export function isLossError(error: unknown): boolean {
  if (error instanceof AuthenticationError || error instanceof RecoveryFailedError) return false;
  if (error instanceof ConnectionClosedError || error instanceof ChannelClosedError) return true;
  // The engine refuses a publish on an engine channel its dead connection already closed.
  return error instanceof InvalidStateError && !(error instanceof StaleDeliveryError);
}
