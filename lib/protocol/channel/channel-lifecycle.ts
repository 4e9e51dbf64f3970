/**
 * The channel's life, apart from what it receives: its state, the synchronous-method queue (one
 * method in flight, each with its reply clock), the users' return, cancel and close callbacks, open,
 * and the three ways to CLOSED (our close, the broker's close or an rpc timeout, the connection's
 * end). channel-core.ts adds the inbound dispatch on top, channel.ts the public methods.
 *
 * The callbacks receive the concrete channel: they are typed with the polymorphic `this`, so this
 * file needs neither channel.ts nor a cast to hand it over.
 */
import { encodeMethodFrame, METHOD_ID_BY_NAME, METHOD_INFO, type AnyMethod, type BasicProperties, type MethodArgs, type MethodName } from '../codec/index.js';
import { withContinuation, deferred, type Continuation, type Deferred } from '../continuation.js';
import { ChannelClosedError, RpcTimeoutError, type CloseReason, type ConnectionClosedError } from '../errors.js';
import type { ChannelLink } from './channel-link.js';
import type { CancelCallback, ChannelCloseCallbackOf, DeliveryCallbackOf, ReturnCallbackOf } from './channel-options.js';
import { ConsumerTable } from './consumer-table.js';
import { assertOperation, transition, type ChannelState } from './channel-state.js';
import type { ConfirmTracker } from './confirm-tracker.js';
import { HeldFrame, RpcCall, type ReplyHandler } from './outbound-entries.js';
import { RpcDeadline } from './rpc-deadline.js';
import { RpcQueue } from './rpc-queue.js';
import { checkName, checkReplyCode } from './validate.js';

const RESOLVED: Promise<void> = Promise.resolve();
const noop = (): void => undefined;
/** The reply code of the channel.close sent after a timeout (the spec has none for it). */
const TIMEOUT_CLOSE_CODE = 541;

/** The reply ids of each synchronous method, looked up once. */
const RESPONSES = new Map<MethodName, readonly number[]>();
function responsesOf(name: MethodName): readonly number[] {
  let ids = RESPONSES.get(name);
  if (ids === undefined) {
    ids = METHOD_INFO[METHOD_ID_BY_NAME[name]]?.responses ?? [];
    RESPONSES.set(name, ids);
  }
  return ids;
}

export abstract class ChannelLifecycle {
  /** The channel's number on its connection. */
  readonly channelNumber: number;
  protected readonly link: ChannelLink;
  protected currentState: ChannelState = 'OPENING';
  protected readonly queue: RpcQueue;
  /** Set once confirm.select was written: from then on every publish gets a delivery tag. */
  protected confirms: ConfirmTracker | undefined = undefined;
  protected transactional = false;
  /** Consumers by consumer tag. */
  protected readonly consumers = new ConsumerTable<DeliveryCallbackOf<this>>();
  /** Tags of the consumers in autoAck mode: their deliveries must never be acked or rejected. */
  protected readonly autoAckConsumers = new Set<string>();
  /** Tags of the consumers started with `oversize: 'deliver'`: an oversize delivery goes to them unsettled. */
  protected readonly oversizeConsumers = new Set<string>();
  /** Consumer tags asked for but not yet confirmed by consume-ok (a duplicate is a connection error). */
  protected readonly pendingConsumerTags = new Set<string>();
  /** The highest delivery tag received (deliver / get-ok): an ack above it would be a 406. */
  protected highestDeliveryTag = 0;
  protected readonly returnCallbacks: ReturnCallbackOf<this>[] = [];
  protected readonly cancelCallbacks: CancelCallback[] = [];
  private readonly closeCallbacks: ChannelCloseCallbackOf<this>[] = [];
  private openCall: Promise<this> | undefined = undefined;
  private closing: Deferred<void> | undefined = undefined;
  private closeReason: CloseReason | undefined = undefined;
  private closeSent = false;
  /**
   * Our channel.close crossed the broker's, or went out after a timeout: its close-ok is still
   * coming, keep the number until then (for good, if it never comes).
   */
  private awaitingCloseOk = false;
  /** The clock of the synchronous method in flight, and that of the close-ok wait. */
  protected readonly replyDeadline: RpcDeadline;
  private readonly closeOkDeadline: RpcDeadline;

  constructor(link: ChannelLink, channelNumber: number) {
    this.link = link;
    this.channelNumber = channelNumber;
    const expired = (method: string, ms: number): void => this.onRpcTimeout(method, ms);
    this.replyDeadline = new RpcDeadline(link, expired);
    this.closeOkDeadline = new RpcDeadline(link, expired);
    this.queue = new RpcQueue(
      (frame) => this.link.write(frame),
      (entry) => this.replyDeadline.arm(entry.name ?? 'a synchronous method'),
    );
  }

  /** OPENING, OPEN, CLOSING or CLOSED. */
  get state(): ChannelState {
    return this.currentState;
  }

  get isOpen(): boolean {
    return this.currentState === 'OPEN';
  }

  /** @internal Sends channel.open; resolves once the broker answered open-ok. */
  open(): Promise<this> {
    if (this.openCall !== undefined) return this.openCall;
    const call = new RpcCall<this>(
      'channel.open',
      encodeMethodFrame(this.channelNumber, 'channel.open', {}),
      responsesOf('channel.open'),
      () => {
        if (this.currentState === 'OPENING')
          this.currentState = transition(this.channelNumber, 'OPENING', 'open-ok');
        return this;
      },
    );
    this.queue.push(call);
    this.openCall = call.result.promise;
    return this.openCall;
  }

  /** Calls `cb(channel, method, properties, body)` for every mandatory publish the broker returns. */
  addOnReturnCallback(cb: ReturnCallbackOf<this>): void {
    this.returnCallbacks.push(cb);
  }

  /** Calls `cb(consumerTag)` when the broker cancels a consumer (e.g. its queue was deleted). */
  addOnCancelCallback(cb: CancelCallback): void {
    this.cancelCallbacks.push(cb);
  }

  /** Calls `cb(channel, error)` once, when the channel reaches CLOSED, with who closed it and why. */
  addOnCloseCallback(cb: ChannelCloseCallbackOf<this>): void {
    this.closeCallbacks.push(cb);
  }

  /**
   * Closes the channel: synchronous methods already queued are sent and answered first, then
   * channel.close; resolves on close-ok. Closing a closing channel returns the same promise; closing a
   * closed one resolves at once.
   */
  close(replyCode = 200, replyText = 'Normal shutdown', cb?: Continuation<void>): Promise<void> {
    if (this.currentState === 'CLOSED') return withContinuation(RESOLVED, cb);
    if (this.closing !== undefined) return withContinuation(this.closing.promise, cb);
    checkReplyCode(replyCode);
    checkName('replyText', replyText);
    return withContinuation(this.beginClose({ replyCode, replyText, initiator: 'client' }), cb);
  }

  /** @internal The connection closed or died: every waiter settles with `error`, the channel is CLOSED. */
  handleConnectionClosed(error: ConnectionClosedError): void {
    if (this.currentState === 'CLOSED') {
      if (this.awaitingCloseOk) {
        this.awaitingCloseOk = false;
        this.link.release(this.channelNumber);
      }
      return;
    }
    this.currentState = transition(this.channelNumber, this.currentState, 'connection-lost');
    this.teardown(error);
  }

  /** Queues a synchronous method; `onReply` turns its reply into the result. */
  protected call<N extends MethodName, T>(
    name: N,
    args: Partial<MethodArgs[N]>,
    onReply: ReplyHandler<T>,
    cb?: Continuation<T>,
    onSent?: () => void,
  ): Promise<T> {
    const call = new RpcCall<T>(
      name,
      encodeMethodFrame(this.channelNumber, name, args),
      responsesOf(name),
      onReply,
      onSent,
    );
    this.queue.push(call);
    return withContinuation(call.result.promise, cb);
  }

  /** Writes a frame that expects no reply, behind any queued synchronous method. */
  protected sendAsync(frame: Buffer): void {
    if (this.queue.idle) this.link.write(frame);
    else this.queue.push(new HeldFrame(frame));
  }

  /** Throws a ChannelStateError unless the channel is OPEN. */
  protected assertOpen(operation: string): void {
    if (this.currentState !== 'OPEN') assertOperation(this.channelNumber, this.currentState, operation);
  }

  /** The reply to the synchronous method in flight arrived: settle it, send what waited behind it. */
  protected settleReply(method: AnyMethod, properties?: BasicProperties, body?: Buffer): void {
    this.replyDeadline.disarm();
    const entry = this.queue.takeReply();
    entry?.reply(method, properties, body);
    if (this.currentState !== 'CLOSED') this.queue.pump();
  }

  protected beginClose(reason: CloseReason): Promise<void> {
    const frame = encodeMethodFrame(this.channelNumber, 'channel.close', {
      replyCode: reason.replyCode,
      replyText: reason.replyText,
      classId: reason.classId ?? 0,
      methodId: reason.methodId ?? 0,
    });
    this.currentState = transition(this.channelNumber, this.currentState, 'close');
    this.closeReason = reason;
    const closing = deferred<void>();
    this.closing = closing;
    // A paused channel would hold the close behind its content forever: let it through.
    this.queue.push(
      new HeldFrame(frame, () => {
        this.closeSent = true;
        this.closeOkDeadline.arm('channel.close');
      }),
    );
    if (this.queue.isPaused) this.queue.setPaused(false);
    return closing.promise;
  }

  /** channel.close-ok: ours is answered (CLOSED), or the late one after a crossed close or a timeout. */
  protected onCloseOk(method: AnyMethod): void {
    if (this.currentState === 'CLOSING' && this.closeSent) {
      this.currentState = transition(this.channelNumber, 'CLOSING', 'close-ok');
      this.teardown(
        new ChannelClosedError(
          this.channelNumber,
          this.closeReason ?? { replyCode: 200, replyText: '', initiator: 'client' },
        ),
      );
      return;
    }
    if (this.currentState === 'CLOSED' && this.awaitingCloseOk) {
      this.awaitingCloseOk = false;
      this.link.release(this.channelNumber);
      return;
    }
    if (this.currentState === 'OPEN') this.protocolViolation(method, 505);
  }

  protected onBrokerClose(args: MethodArgs['channel.close']): void {
    if (this.currentState === 'CLOSED') return;
    this.link.write(encodeMethodFrame(this.channelNumber, 'channel.close-ok', {}));
    const error = new ChannelClosedError(this.channelNumber, {
      replyCode: args.replyCode,
      replyText: args.replyText,
      classId: args.classId,
      methodId: args.methodId,
      initiator: 'broker',
    });
    this.awaitingCloseOk = this.closeSent;
    this.currentState = transition(this.channelNumber, this.currentState, 'broker-close');
    this.teardown(error);
  }

  /** The broker sent what this state cannot take: close the channel naming it (503 / 505), as the spec asks. */
  protected protocolViolation(method: AnyMethod, replyCode: number): void {
    const info = METHOD_INFO[method.id];
    void this.beginClose({
      replyCode,
      replyText: `unexpected ${method.name} in state ${this.currentState}`,
      classId: info?.classId ?? 0,
      methodId: info?.methodId ?? 0,
      initiator: 'client',
    });
  }

  /**
   * No reply to `method` within the rpc timeout: the channel can no longer tell a late reply from
   * the next one, so it closes. The call (or close()) fails with {@link RpcTimeoutError}, everything
   * else with a ChannelClosedError caused by it; channel.close goes out unless it already did, and
   * the number stays out of use until the broker's close-ok (for good if it never comes), so a late
   * reply can never reach a new channel of the same number.
   */
  private onRpcTimeout(method: string, timeoutMs: number): void {
    if (this.currentState === 'CLOSED') return;
    const timeout = new RpcTimeoutError(method, this.channelNumber, timeoutMs);
    const reason: CloseReason = {
      replyCode: TIMEOUT_CLOSE_CODE,
      replyText: `no reply to ${method} within ${timeoutMs / 1000} s`,
      initiator: 'client',
    };
    if (!this.closeSent) {
      this.closeSent = true;
      this.link.write(
        encodeMethodFrame(this.channelNumber, 'channel.close', {
          replyCode: reason.replyCode,
          replyText: reason.replyText,
          classId: 0,
          methodId: 0,
        }),
      );
    }
    this.awaitingCloseOk = true;
    const closing = this.closing;
    if (method === 'channel.close' && closing !== undefined) {
      closing.promise.catch(noop);
      closing.reject(timeout);
    } else {
      this.queue.takeReply()?.fail(timeout);
    }
    this.currentState = transition(this.channelNumber, this.currentState, 'rpc-timeout');
    const closed = new ChannelClosedError(this.channelNumber, reason, `channel ${this.channelNumber} closed: ${timeout.message}`);
    (closed as { cause?: unknown }).cause = timeout;
    this.teardown(closed);
  }

  /** CLOSED: settle every waiter with `error`, forget consumers, tell the close callbacks, free the number. */
  private teardown(error: ChannelClosedError | ConnectionClosedError): void {
    this.replyDeadline.disarm();
    this.closeOkDeadline.disarm();
    this.queue.failAll(error);
    this.confirms?.failAll(error);
    this.consumers.clear();
    this.autoAckConsumers.clear();
    this.oversizeConsumers.clear();
    this.pendingConsumerTags.clear();
    this.closing?.resolve();
    if (!this.awaitingCloseOk) this.link.release(this.channelNumber);
    for (const cb of this.closeCallbacks.splice(0)) {
      try {
        cb(this, error);
      } catch (callbackError) {
        this.link.reportError(callbackError, 'a close callback');
      }
    }
  }
}
