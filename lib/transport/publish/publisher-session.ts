/**
 * What one connected publisher holds on the app's shared connection: the confirm publisher, the
 * direct reply-to RPC channel (opened at once or on the first request, reopened when the broker closed
 * it), and a watch on the connection. ClientAMQP and AmqpPublisher each hold one and replace it as a
 * whole once the connection is closed for good.
 *
 * Requests sent on a lost connection can never be answered (direct reply-to is tied to its channel),
 * so pending requests fail at once with the cause when the connection drops, not at their timeouts.
 */
import { ConnectionClosedError, ConnectionLostError } from '../../protocol/index.js';
import type { Subscription } from 'rxjs';
import { AmqpConnectionHost, type AmqpStatus } from '../connection/connection-host.js';
import type { AmqpConnectionOptions } from '../options/connection-options.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { newCorrelationId } from './correlation-id.js';
import { DIRECT_REPLY_QUEUE, DirectReplyRpc, type ReplyConsumerOptions } from './direct-reply-rpc.js';

/** How a session is set up and what its owner hears of it. */
export interface PublisherSessionOptions {
  /** Declares what the owner needs before its first publish (a failure releases the connection). */
  declare?: (host: AmqpConnectionHost) => Promise<void>;
  /** Opens the RPC channel with the session (a client whose send() must not wait for it), or on the first request. */
  eagerRpc: boolean;
  replyQueue?: string | undefined;
  replyConsumer?: ReplyConsumerOptions | undefined;
  /** Each status change of the connection, after pending requests were failed for a drop. */
  onStatus?: (session: PublisherSession, status: AmqpStatus, failed: number, cause: Error) => void;
  /** Said once the connection is closed for good and the session let go of it. */
  onEnded?: (session: PublisherSession) => void;
  /** The error requests get when the owner closes the session. */
  closedError: () => Error;
}

export class PublisherSession {
  /** Acquires the shared connection, declares the owner's topology and, when asked, opens the RPC channel. */
  static async open(
    connection: AmqpConnectionOptions,
    options: PublisherSessionOptions,
  ): Promise<PublisherSession> {
    const host = await AmqpConnectionHost.acquire(connection);
    try {
      await options.declare?.(host);
      const session = new PublisherSession(host, options);
      if (options.eagerRpc) {
        try {
          await session.reopen();
        } catch (error) {
          session.subscription.unsubscribe();
          await session.confirms.close();
          throw error;
        }
      }
      return session;
    } catch (error) {
      await host.release();
      throw error;
    }
  }

  readonly confirms: ConfirmPublisher;
  private rpcChannel: DirectReplyRpc | undefined;
  private opening: Promise<DirectReplyRpc> | undefined;
  private closing: Promise<void> | undefined;
  private readonly subscription: Subscription;

  private constructor(
    readonly host: AmqpConnectionHost,
    private readonly options: PublisherSessionOptions,
  ) {
    this.confirms = new ConfirmPublisher(host);
    this.subscription = host.status$.subscribe((status) => this.onStatus(status));
  }

  /** True once closed, by its owner or because the connection is gone for good. */
  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /** The RPC channel when it can take a request right now (the hot path), else undefined. */
  get openRpc(): DirectReplyRpc | undefined {
    const rpc = this.rpcChannel;
    return rpc !== undefined && rpc.isOpen ? rpc : undefined;
  }

  /** A correlation id for the next request: 128 bits from the CSPRNG, whether or not the RPC channel exists yet. */
  nextId(): string {
    return newCorrelationId();
  }

  /**
   * The RPC channel once it can take a request: opened or reopened when there is none or the broker
   * closed it; through a connection recovery, waited for within the outage budget (`bytes` to hold).
   */
  async rpc(bytes: number): Promise<DirectReplyRpc> {
    const current = this.rpcChannel;
    if (current === undefined || current.isClosed) return this.reopen();
    if (!current.isOpen) await this.host.waitOutOutage(bytes);
    return current;
  }

  /** Closes the RPC channel (failing what is pending with `cause`) and the confirm channel, and lets go of the connection. */
  close(cause: Error = this.options.closedError()): Promise<void> {
    this.closing ??= (async () => {
      this.subscription.unsubscribe();
      const rpc = this.rpcChannel ?? (await this.opening?.catch(() => undefined));
      await rpc?.close(cause);
      await this.confirms.close();
      await this.host.release();
    })();
    return this.closing;
  }

  private reopen(): Promise<DirectReplyRpc> {
    this.opening ??= (async () => {
      try {
        const rpc = await DirectReplyRpc.open(
          this.host,
          this.options.replyQueue ?? DIRECT_REPLY_QUEUE,
          this.options.replyConsumer,
        );
        if (this.closing !== undefined) {
          const error = this.options.closedError();
          await rpc.close(error);
          throw error;
        }
        this.rpcChannel = rpc;
        return rpc;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  private onStatus(status: AmqpStatus): void {
    let failed = 0;
    const cause = this.host.lastError ?? new ConnectionLostError('connection lost');
    if (status === 'reconnecting' || status === 'disconnected') {
      failed = this.rpcChannel?.pendingCount ?? 0;
      this.rpcChannel?.failAll(cause);
    }
    this.options.onStatus?.(this, status, failed, cause);
    if (status === 'disconnected' && this.closing === undefined) {
      void this.close(cause).then(() => this.options.onEnded?.(this));
    }
  }
}

/** The error a session's requests get when its owner closes it. */
export function closedBy(owner: string): () => Error {
  return () =>
    new ConnectionClosedError({ replyCode: 200, replyText: `${owner} closed`, initiator: 'client' });
}
