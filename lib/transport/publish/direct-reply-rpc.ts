import { Logger } from '@nestjs/common';
import {
  ChannelClosedError,
  InvalidStateError,
  MessageReturnedError,
  RequestTimeoutError,
  type BasicProperties,
} from '../../protocol/index.js';
import type { AmqpChannel, AmqpConnectionHost } from '../connection/connection-host.js';
import { fullProperties } from '../core/full-properties.js';
import { telemetry } from '../telemetry/telemetry.js';
import { newCorrelationId } from './correlation-id.js';
import { isPublishWritten } from '../../protocol/channel/publish-written.js';
import { logValue } from '../logging/log-text.js';
import { RepeatedLines } from '../logging/repeated-lines.js';
import { RpcDeadlines } from './rpc-deadlines.js';
import type { RpcTrace } from '../telemetry/telemetry-hooks.js';

/** RabbitMQ's pseudo-queue for direct reply-to: no reply queue to declare, replies come on our channel. */
export const DIRECT_REPLY_QUEUE = 'amq.rabbitmq.reply-to';

/** The reply consumer's basic.qos and consumer tag (ClientRMQ's prefetchCount, isGlobalPrefetchCount, consumerTag). */
export interface ReplyConsumerOptions {
  prefetchCount?: number;
  global?: boolean;
  consumerTag?: string;
}

/** One request in flight, as its owner handles it. */
export interface RpcCall {
  /** Each reply, in order. Returns (or resolves to) true when the call is complete. */
  onReply(properties: BasicProperties, body: Buffer): boolean | Promise<boolean>;
  /** The call failed: timeout, returned as unroutable, publish refused, channel or connection lost. */
  onError(error: Error): void;
}

/** Where and how one request goes. */
export interface RpcRequest {
  exchange: string;
  routingKey: string;
  body: Buffer;
  /** `replyTo` and `correlationId` are set here. */
  properties: BasicProperties;
  /** Time allowed before the first reply, and between streamed replies. */
  timeoutMs: number;
  /** Names the call in errors (the pattern or routing key). */
  label: string;
  /** Fail at once when no queue is bound for it instead of waiting for the timeout. @default true */
  mandatory?: boolean;
}

interface PendingCall {
  readonly call: RpcCall;
  /** Its timeout (ms) and name, for its clock and its timeout error. */
  readonly timeoutMs: number;
  readonly label: string;
  /** Its span, when telemetry is on. */
  readonly trace: RpcTrace | undefined;
  /** The publish when it was not written at once: it may wait in the connection's buffer, to withdraw. */
  published: Promise<void> | undefined;
}

/**
 * Request/reply over direct reply-to on one channel: the reply consumer is started (autoAck) before
 * the first publish, as RabbitMQ requires, and replies are routed to their call by correlation id.
 * When the channel or connection goes, every pending call fails at once with the cause.
 */
export class DirectReplyRpc {
  /** Opens a channel on the host and starts consuming the reply queue. */
  static async open(
    host: AmqpConnectionHost,
    replyQueue = DIRECT_REPLY_QUEUE,
    consumer: ReplyConsumerOptions = {},
  ): Promise<DirectReplyRpc> {
    const channel = await host.channel();
    const rpc = new DirectReplyRpc(channel, replyQueue);
    try {
      if (consumer.prefetchCount !== undefined || consumer.global !== undefined) {
        await channel.basicQos({
          prefetchCount: consumer.prefetchCount ?? 0,
          global: consumer.global === true,
        });
      }
      await channel.basicConsume(
        replyQueue,
        (_channel, _method, properties, body) => rpc.onDelivery(properties, body),
        {
          autoAck: true,
          ...(consumer.consumerTag === undefined ? {} : { consumerTag: consumer.consumerTag }),
        },
      );
    } catch (error) {
      if (channel.isOpen) await channel.close().catch(() => undefined);
      throw error;
    }
    return rpc;
  }

  private readonly pending = new Map<string, PendingCall>();
  /** One timer for every pending call's timeout. */
  private readonly deadlines = new RpcDeadlines<string>((id) => this.timedOut(id));
  private closedWith: Error | undefined;

  private constructor(
    private readonly channel: AmqpChannel,
    private readonly replyQueue: string,
  ) {
    channel.addOnCloseCallback((closed, error) => {
      // undefined: we closed it; the calls still waiting get a clean-close error.
      const cause =
        error ??
        new ChannelClosedError(closed.channelNumber, {
          replyCode: 200,
          replyText: 'Normal shutdown',
          initiator: 'client',
        });
      this.failAll(cause, true);
    });
    channel.addOnReturnCallback((_channel, method, properties) => {
      const id = properties.correlationId;
      if (id === undefined) return;
      this.fail(
        id,
        new MessageReturnedError(method.replyCode, method.replyText, method.exchange, method.routingKey),
      );
    });
  }

  /** False while the channel is down (recovering) or closed. */
  get isOpen(): boolean {
    return this.closedWith === undefined && this.channel.isOpen;
  }

  /** True once the channel closed for good: the owner opens a new one. */
  get isClosed(): boolean {
    return (
      this.closedWith !== undefined || this.channel.state === 'CLOSED' || this.channel.state === 'CLOSING'
    );
  }

  /** How many calls wait for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** True while a call with this correlation id waits for its reply. */
  isPending(correlationId: string): boolean {
    return this.pending.has(correlationId);
  }

  /** A correlation id no one can guess (also used as Nest's packet id): see correlation-id.ts. */
  nextId(): string {
    return newCorrelationId();
  }

  /** Sends a request; returns a function that abandons it (no error is reported then). */
  request(correlationId: string, request: RpcRequest, call: RpcCall): () => void {
    if (this.closedWith !== undefined) {
      call.onError(this.closedWith);
      return noop;
    }
    let properties = fullProperties(request.properties);
    properties.replyTo = this.replyQueue;
    properties.correlationId = correlationId;
    let trace: RpcTrace | undefined;
    if (telemetry !== undefined && telemetry.active) {
      trace = telemetry.request(
        request.label,
        request.exchange,
        request.routingKey,
        properties,
        request.body.length,
      );
      properties = trace.properties;
    }
    const pending: PendingCall = { call, timeoutMs: request.timeoutMs, label: request.label, trace, published: undefined };
    this.pending.set(correlationId, pending);
    this.deadlines.start(correlationId, request.timeoutMs);
    try {
      const options = request.mandatory === false ? NOT_MANDATORY : MANDATORY;
      const published = this.channel.basicPublish(request.exchange, request.routingKey, request.body, properties, options);
      // Written at once (the engine's shared fulfilled promise): nothing to wait for, no handler per call.
      if (!isPublishWritten(published)) {
        // It may wait its turn in the connection's buffer (socket over its mark, or a recovery): a
        // call that ends first takes it back out (withdraw), so that it leaves the outage budget then.
        pending.published = published;
        published.catch((error: unknown) => this.fail(correlationId, asError(error)));
      }
    } catch (error) {
      this.fail(correlationId, asError(error));
    }
    return () => this.forget(correlationId);
  }

  /** Fails every pending call with `error` (connection lost, client closing). */
  failAll(error: Error, channelClosed = false): void {
    if (channelClosed) this.closedWith = error;
    const calls = [...this.pending.values()];
    this.pending.clear();
    this.deadlines.clear();
    for (const { call, trace, published } of calls) {
      this.withdraw(published, error);
      trace?.end(error);
      safely(() => call.onError(error));
    }
  }

  /** Fails what is pending with `error` and closes the channel. */
  async close(error: Error): Promise<void> {
    this.failAll(error);
    this.closedWith = error;
    if (this.channel.isOpen) await this.channel.close().catch(() => undefined);
  }

  private onDelivery(properties: BasicProperties, body: Buffer): void {
    const id = properties.correlationId;
    if (id === undefined) return;
    const entry = this.pending.get(id);
    if (entry === undefined) {
      // A late reply to a call that timed out or was abandoned: nothing waits for it.
      // Anyone on the reply path can send such replies: rate-limited, the id escaped.
      droppedReplies.say('dropped-reply', `dropped a reply nobody waits for (correlationId ${logValue(id)})`, debug);
      return;
    }
    let done: boolean | Promise<boolean>;
    try {
      done = entry.call.onReply(properties, body);
    } catch (error) {
      this.fail(id, asError(error));
      return;
    }
    if (done === true) this.forget(id);
    else if (done === false) this.deadlines.start(id, entry.timeoutMs);
    else {
      this.deadlines.start(id, entry.timeoutMs);
      done.then(
        (finished) => {
          if (finished) this.forget(id);
        },
        (error: unknown) => this.fail(id, asError(error)),
      );
    }
  }

  private fail(id: string, error: Error): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    entry.trace?.end(error);
    this.forget(id, error);
    safely(() => entry.call.onError(error));
  }

  private timedOut(id: string): void {
    const entry = this.pending.get(id);
    if (entry !== undefined) this.fail(id, new RequestTimeoutError(entry.label, id, entry.timeoutMs));
  }

  /** The call is over (answered, failed, abandoned): a publish still waiting in the buffer is withdrawn. */
  private forget(id: string, reason?: Error): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.deadlines.stop(id, entry.timeoutMs);
    entry.trace?.end();
    this.pending.delete(id);
    this.withdraw(entry.published, reason);
  }

  /** Never sent, out of the outage budget at once; its rejection goes to the handler set in request(). */
  private withdraw(published: Promise<void> | undefined, reason: Error | undefined): void {
    if (published === undefined) return;
    this.channel.withdrawPublish(published, reason ?? ABANDONED);
  }
}

function noop(): void {}

/** What an abandoned request's withdrawn publish rejects with (its own handler sees it, no one else). */
const ABANDONED = new InvalidStateError('the request was abandoned before it was sent', 'ABANDONED');
const MANDATORY = Object.freeze({ mandatory: true });
const NOT_MANDATORY = Object.freeze({ mandatory: false });

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const logger = new Logger('DirectReplyRpc');
const droppedReplies = new RepeatedLines();
const debug = (line: string): void => logger.debug(line);

/** A failing owner callback must not keep the other calls pending, nor escape into the socket path. */
function safely(run: () => void): void {
  try {
    run();
  } catch (error) {
    logger.error(`an RPC callback threw: ${error instanceof Error ? error.message : String(error)}`);
  }
}
