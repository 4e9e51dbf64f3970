/**
 * The channel's engine room: state, the synchronous-method queue, inbound dispatch (replies,
 * deliveries, returns, confirms, cancels, flow) and the three ways to CLOSED (our close, the broker's
 * close, the connection's end). The public methods live in channel.ts on top of this.
 *
 * Inbound methods arrive synchronously from the frame parser; nothing here may throw back into the
 * socket path, so every user callback runs inside a try/catch and its error is reported, not thrown.
 */
import {
  encodeMethodFrame,
  METHOD_ID_BY_NAME,
  METHOD_INFO,
  type AnyMethod,
  type BasicProperties,
  type MethodArgs,
  type MethodName,
} from '../codec/index.js';
import { withContinuation, deferred, type Continuation, type Deferred } from '../continuation.js';
import {
  ChannelClosedError,
  ConnectionClosedError,
  OversizeMessageError,
  RpcTimeoutError,
  type BodyTooLargeError,
  type CloseReason,
} from '../errors.js';
import type { ChannelLink } from './channel-link.js';
import type {
  CancelCallback,
  ChannelCloseCallback,
  DeliveryCallback,
  ReturnCallback,
} from './channel-options.js';
import { assertOperation, INBOUND, transition, type ChannelState } from './channel-state.js';
import type { Channel } from './channel.js';
import type { ConfirmTracker } from './confirm-tracker.js';
import { HeldFrame, RpcCall, type ReplyHandler } from './outbound-entries.js';
import { RpcDeadline } from './rpc-deadline.js';
import { RpcQueue } from './rpc-queue.js';
import { reportCallbackError } from './report-error.js';
import { diagnostics } from '../diagnostics.js';
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

export abstract class ChannelCore {
  /** The channel's number on its connection. */
  readonly channelNumber: number;
  protected readonly link: ChannelLink;
  protected currentState: ChannelState = 'OPENING';
  protected readonly queue: RpcQueue;
  /** Set once confirm.select was written: from then on every publish gets a delivery tag. */
  protected confirms: ConfirmTracker | undefined = undefined;
  protected transactional = false;
  /** Consumers by consumer tag. */
  protected readonly consumers = new Map<string, DeliveryCallback>();
  /** Tags of the consumers in autoAck mode: their deliveries must never be acked or rejected. */
  protected readonly autoAckConsumers = new Set<string>();
  /** Consumer tags asked for but not yet confirmed by consume-ok (a duplicate is a connection error). */
  protected readonly pendingConsumerTags = new Set<string>();
  /** The highest delivery tag received (deliver / get-ok): an ack above it would be a 406. */
  protected highestDeliveryTag = 0;
  private readonly returnCallbacks: ReturnCallback[] = [];
  private readonly cancelCallbacks: CancelCallback[] = [];
  private readonly closeCallbacks: ChannelCloseCallback[] = [];
  private openCall: Promise<Channel> | undefined = undefined;
  private closing: Deferred<void> | undefined = undefined;
  private closeReason: CloseReason | undefined = undefined;
  private closeSent = false;
  /**
   * Our channel.close crossed the broker's, or went out after a timeout: its close-ok is still
   * coming, keep the number until then (for good, if it never comes).
   */
  private awaitingCloseOk = false;
  /** The clock of the synchronous method in flight, and that of the close-ok wait. */
  private readonly replyDeadline: RpcDeadline;
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

  private get self(): Channel {
    // Channel is the one concrete subclass; users' callbacks receive it.
    return this as unknown as Channel;
  }

  /** @internal Sends channel.open; resolves once the broker answered open-ok. */
  open(): Promise<Channel> {
    if (this.openCall !== undefined) return this.openCall;
    const call = new RpcCall<Channel>(
      'channel.open',
      encodeMethodFrame(this.channelNumber, 'channel.open', {}),
      responsesOf('channel.open'),
      () => {
        if (this.currentState === 'OPENING')
          this.currentState = transition(this.channelNumber, 'OPENING', 'open-ok');
        return this.self;
      },
    );
    this.queue.push(call);
    this.openCall = call.result.promise;
    return this.openCall;
  }

  /** Calls `cb(channel, method, properties, body)` for every mandatory publish the broker returns. */
  addOnReturnCallback(cb: ReturnCallback): void {
    this.returnCallbacks.push(cb);
  }

  /** Calls `cb(consumerTag)` when the broker cancels a consumer (e.g. its queue was deleted). */
  addOnCancelCallback(cb: CancelCallback): void {
    this.cancelCallbacks.push(cb);
  }

  /** Calls `cb(channel, error)` once, when the channel reaches CLOSED, with who closed it and why. */
  addOnCloseCallback(cb: ChannelCloseCallback): void {
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

  /** @internal A method without content for this channel, straight from the parser. */
  handleMethod(method: AnyMethod): void {
    switch (method.name) {
      case 'channel.close':
        this.onBrokerClose(method.args);
        return;
      case 'channel.close-ok':
        this.onCloseOk(method);
        return;
    }
    const disposition = INBOUND[this.currentState];
    if (disposition === 'drop') return;
    if (this.queue.expects(method.id)) {
      this.settleReply(method);
      return;
    }
    switch (method.name) {
      case 'basic.ack': {
        if (this.confirms === undefined) break;
        const count = this.confirms.ack(method.args.deliveryTag, method.args.multiple);
        if (diagnostics.confirm.hasSubscribers) this.publishConfirm(true, method.args.deliveryTag, method.args.multiple, count);
        return;
      }
      case 'basic.nack': {
        if (this.confirms === undefined) break;
        const count = this.confirms.nack(method.args.deliveryTag, method.args.multiple);
        if (diagnostics.confirm.hasSubscribers) this.publishConfirm(false, method.args.deliveryTag, method.args.multiple, count);
        return;
      }
      case 'basic.cancel':
        if (disposition === 'handle') this.onBrokerCancel(method.args.consumerTag, method.args.nowait);
        return;
      case 'channel.flow':
        if (disposition === 'handle') this.onFlow(method.args.active);
        return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
  }

  private publishConfirm(ack: boolean, deliveryTag: number, multiple: boolean, count: number): void {
    diagnostics.confirm.publish({ channelNumber: this.channelNumber, ack, deliveryTag, multiple, count });
  }

  /** @internal A content-bearing method (deliver, return, get-ok) with its properties and body. */
  handleContent(method: AnyMethod, properties: BasicProperties, body: Buffer): void {
    const disposition = INBOUND[this.currentState];
    if (method.name === 'basic.deliver') {
      if (disposition !== 'handle') return;
      const args = method.args;
      if (args.deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = args.deliveryTag;
      const consumer = this.consumers.get(args.consumerTag);
      // A delivery racing our cancel-ok (or for a tag the broker invented) has nobody to go to.
      if (consumer === undefined) return;
      if (diagnostics.deliver.hasSubscribers) {
        diagnostics.deliver.publish({
          channelNumber: this.channelNumber,
          consumerTag: args.consumerTag,
          deliveryTag: args.deliveryTag,
          redelivered: args.redelivered,
          exchange: args.exchange,
          routingKey: args.routingKey,
          properties,
          bodySize: body.length,
        });
      }
      try {
        consumer(this.self, args, properties, body);
      } catch (error) {
        reportCallbackError(this.link, error, 'a consumer callback');
      }
      return;
    }
    if (disposition === 'drop') return;
    if (this.queue.expects(method.id)) {
      if (method.name === 'basic.get-ok' && method.args.deliveryTag > this.highestDeliveryTag) {
        this.highestDeliveryTag = method.args.deliveryTag;
      }
      this.settleReply(method, properties, body);
      return;
    }
    if (method.name === 'basic.return') {
      if (disposition !== 'handle') return;
      if (diagnostics.return.hasSubscribers) {
        const { replyCode, replyText, exchange, routingKey } = method.args;
        diagnostics.return.publish({ channelNumber: this.channelNumber, replyCode, replyText, exchange, routingKey, properties });
      }
      for (const cb of this.returnCallbacks) {
        try {
          cb(this.self, method.args, properties, body);
        } catch (error) {
          reportCallbackError(this.link, error, 'a return callback');
        }
      }
      return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
  }

  /**
   * @internal A content-bearing method whose body was over maxBodySize and skipped unread. A
   * delivery to a consumer that acks is rejected without requeue (redelivered, it would come back
   * for ever); a basic.get fails with the error and its tag. Always reported as OversizeMessageError.
   */
  handleOversizeContent(method: AnyMethod, properties: BasicProperties, tooLarge: BodyTooLargeError): void {
    const disposition = INBOUND[this.currentState];
    const where = { channel: this.channelNumber, method: method.name, messageId: properties.messageId };
    if (method.name === 'basic.deliver') {
      if (disposition !== 'handle') return;
      const { deliveryTag, consumerTag } = method.args;
      if (deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = deliveryTag;
      const known = this.consumers.has(consumerTag);
      const outcome = !known ? 'unsettled' : this.autoAckConsumers.has(consumerTag) ? 'dropped' : 'rejected';
      if (outcome === 'rejected') {
        this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.reject', { deliveryTag, requeue: false }));
      }
      const error = new OversizeMessageError(tooLarge, { ...where, deliveryTag, consumerTag, outcome });
      reportCallbackError(this.link, error, 'an oversize delivery');
      return;
    }
    if (disposition === 'drop') return;
    if (method.name === 'basic.get-ok' && this.queue.expects(method.id)) {
      const { deliveryTag } = method.args;
      if (deliveryTag > this.highestDeliveryTag) this.highestDeliveryTag = deliveryTag;
      this.replyDeadline.disarm();
      this.queue.takeReply()?.fail(new OversizeMessageError(tooLarge, { ...where, deliveryTag, outcome: 'unsettled' }));
      if (this.currentState !== 'CLOSED') this.queue.pump();
      return;
    }
    if (method.name === 'basic.return' && disposition === 'handle') {
      reportCallbackError(this.link, new OversizeMessageError(tooLarge, { ...where, outcome: 'returned' }), 'an oversize return');
      return;
    }
    if (disposition === 'handle') this.protocolViolation(method, 505);
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

  private settleReply(method: AnyMethod, properties?: BasicProperties, body?: Buffer): void {
    this.replyDeadline.disarm();
    const entry = this.queue.takeReply();
    entry?.reply(method, properties, body);
    if (this.currentState !== 'CLOSED') this.queue.pump();
  }

  private beginClose(reason: CloseReason): Promise<void> {
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

  private onCloseOk(method: AnyMethod): void {
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

  private onBrokerClose(args: MethodArgs['channel.close']): void {
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

  private onBrokerCancel(consumerTag: string, nowait: boolean): void {
    this.consumers.delete(consumerTag);
    this.autoAckConsumers.delete(consumerTag);
    if (!nowait) this.sendAsync(encodeMethodFrame(this.channelNumber, 'basic.cancel-ok', { consumerTag }));
    for (const cb of this.cancelCallbacks) {
      try {
        cb(consumerTag);
      } catch (error) {
        reportCallbackError(this.link, error, 'a cancel callback');
      }
    }
  }

  private onFlow(active: boolean): void {
    this.link.write(encodeMethodFrame(this.channelNumber, 'channel.flow-ok', { active }));
    this.queue.setPaused(!active);
  }

  /** The broker sent what this state cannot take: close the channel naming it (503 / 505), as the spec asks. */
  private protocolViolation(method: AnyMethod, replyCode: number): void {
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
    this.pendingConsumerTags.clear();
    this.closing?.resolve();
    if (!this.awaitingCloseOk) this.link.release(this.channelNumber);
    for (const cb of this.closeCallbacks.splice(0)) {
      try {
        cb(this.self, error);
      } catch (callbackError) {
        reportCallbackError(this.link, callbackError, 'a close callback');
      }
    }
  }
}
