/**
 * What one connected publisher holds on the app's shared connection: the confirm publisher, the
 * direct reply-to RPC channel (opened at once or on the first request, reopened when the broker closed
 * it), and a watch on the connection. ClientAMQP and AmqpPublisher each hold one and replace it as a
 * whole once the connection is closed for good.
 *
 * Requests sent on a lost connection can never be answered (direct reply-to is tied to its channel),
 * so pending requests fail at once with the cause when the connection drops, not at their timeouts.
 */
import { ConnectionClosedError, ConnectionLostError, RequestTimeoutError } from '../../protocol/index.js';
import type { Subscription } from 'rxjs';
import { AmqpConnectionHost, type AmqpStatus } from '../connection/connection-host.js';
import type { AmqpConnectionOptions } from '../options/connection-options.js';
import { ConfirmPublisher } from './confirm-publisher.js';
import { newCorrelationId } from './correlation-id.js';
import { DIRECT_REPLY_QUEUE, DirectReplyRpc, type ReplyConsumerOptions, type RpcCall, type RpcRequest } from './direct-reply-rpc.js';

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
  /** Ends the start-up's connection attempts (the owner shut down while waiting for the broker). */
  signal?: AbortSignal | undefined;
  /** Start-up bounds of this open, over the connection options' (a lazy connect makes one pass). */
  startup?: Pick<AmqpConnectionOptions, 'maxConnectionAttempts' | 'startupTimeout'> | undefined;
}

export class PublisherSession {
  /** Acquires the shared connection, declares the owner's topology and, when asked, opens the RPC channel. */
  static async open(
    connection: AmqpConnectionOptions,
    options: PublisherSessionOptions,
  ): Promise<PublisherSession> {
    const host = await AmqpConnectionHost.acquire(connection, options.signal, options.startup);
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
   * Sends a request and returns a function that abandons it. On an open RPC channel it goes out at
   * once (the hot path). Otherwise (connection recovering, RPC channel not opened yet or closed by
   * the broker) the request waits inside the outage budget and inside its own timeout, both counted
   * from now: past the budget it fails at once, at its timeout it fails and leaves the budget, and
   * once sent it gets what is left of its timeout.
   */
  request(correlationId: string, request: RpcRequest, call: RpcCall): () => void {
    const rpc = this.openRpc;
    if (rpc !== undefined) return rpc.request(correlationId, request, call);
    const started = performance.now();
    const abort = new AbortController();
    let cancel: (() => void) | undefined;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      abort.abort(new RequestTimeoutError(request.label, `${correlationId} (not sent: connection not ready)`, request.timeoutMs));
      call.onError(abort.signal.reason as Error);
    }, request.timeoutMs);
    this.rpcWithin(request.body.length, abort.signal).then(
      (ready) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        const left = Math.max(1, Math.round(request.timeoutMs - (performance.now() - started)));
        cancel = ready.request(correlationId, left === request.timeoutMs ? request : { ...request, timeoutMs: left }, call);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        call.onError(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return () => {
      clearTimeout(timer);
      if (!done) abort.abort(new RequestTimeoutError(request.label, correlationId, 0));
      done = true;
      cancel?.();
    };
  }

  /**
   * The RPC channel once it can take a request: opened or reopened when there is none or the broker
   * closed it; through a connection recovery, waited for within the outage budget (`bytes` to hold).
   * `signal` ends the wait (the request's timeout) and returns its bytes to the budget.
   */
  rpc(bytes: number, signal?: AbortSignal): Promise<DirectReplyRpc> {
    return this.rpcWithin(bytes, signal);
  }

  /** True while a request with this correlation id waits for its reply on the RPC channel. */
  isPending(correlationId: string): boolean {
    return this.rpcChannel?.isPending(correlationId) ?? false;
  }

  private async rpcWithin(bytes: number, signal?: AbortSignal): Promise<DirectReplyRpc> {
    for (;;) {
      signal?.throwIfAborted();
      // Down: held inside the budget (refused past a bound, failed at its deadline or the signal).
      if (this.host.status !== 'connected' && this.host.status !== 'blocked') await this.host.waitOutOutage(bytes, signal);
      const current = this.rpcChannel;
      if (current !== undefined && current.isOpen) return current;
      if (current === undefined || current.isClosed) {
        const opened = await untilAborted(this.reopen(), signal);
        if (opened.isOpen) return opened;
      } else {
        await this.host.waitOutOutage(bytes, signal);
        if (current.isOpen) return current;
      }
      // Lost again between the recovery and now: wait once more, still inside the same timeout.
      await untilAborted(new Promise((resolve) => setTimeout(resolve, 10)), signal);
    }
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

/** `promise`, or the signal's reason once it aborts (the promise itself runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
