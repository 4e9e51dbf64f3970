import { EventEmitter } from 'node:events';
import { ClientProxy, type ProducerDeserializer, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Observable, Subject, connectable, defer, mergeMap, type Subscription } from 'rxjs';
import {
  ConnectionClosedError,
  ConnectionLostError,
  type AMQPError,
  InvalidStateError,
  RequestTimeoutError,
  type BasicProperties,
} from '../../protocol/index.js';
import { nestEventAlias, type AmqpEventsMap } from '../core/amqp.events.js';
import { readClientOptions } from '../options/rmq-options.reader.js';
import { logOptionWarnings, type OptionWarnings } from '../options/option-warnings.js';
import { createPacket } from '../compat/index.js';
import { AmqpConnectionHost, type AmqpConnection, type AmqpStatus } from '../connection/connection-host.js';
import { ConfirmPublisher } from '../publish/confirm-publisher.js';
import { sealOptions } from '../connection/sealed-options.js';
import { DIRECT_REPLY_QUEUE, DirectReplyRpc, type RpcCall, type RpcRequest } from '../publish/direct-reply-rpc.js';
import { toBasicProperties, type MessageDefaults } from '../options/message-options.js';
import { encodeEnvelope, metadataToHeaders, parseEnvelopeBody, patternToString } from '../publish/nest-envelope.js';
import { JSON_CONTENT_TYPE } from '../publish/serialization.js';
import {
  DEFAULT_CLIENT_QUEUE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type AmqpClientOptions,
} from '../options/amqp-client.options.js';
import { AmqpRecordSerializer, type SerializedPacket } from './amqp-record.serializer.js';
import type { AmqpRecordOptions } from './amqp.record-builder.js';
import { telemetry } from '../telemetry/telemetry.js';
import { ScopedLogger } from '../logging/scoped-logger.js';

/** What one connected client holds; replaced as a whole when the connection is lost. */
interface ClientSession {
  readonly host: AmqpConnectionHost;
  /** Replaced when the broker closed the channel for good while the connection lives on (a 404 on a publish). */
  rpc: DirectReplyRpc;
  /** The replacement being opened, shared by the calls that wait for it. */
  reopening?: Promise<DirectReplyRpc> | undefined;
  disposed?: boolean;
  readonly events: ConfirmPublisher;
  readonly subscription: Subscription;
  /** Removes this client's listeners from the shared host. */
  readonly detach: () => void;
}

/** The reply shape Nest's deserializers produce. */
interface DeserializedReply {
  err?: unknown;
  response?: unknown;
  isDisposed?: boolean;
}

/**
 * A Nest ClientProxy over AMQP, wire-compatible with Nest's built-in ServerRMQ:
 * `send()` is a request over direct reply-to with a timeout (RequestTimeoutError), `emit()` settles
 * on the broker's confirm. Both go out mandatory when they go straight to a queue, so a queue that
 * does not exist fails them with MessageReturnedError instead of a silent drop. Pending requests fail
 * at once with the cause when the connection goes.
 *
 * ```ts
 * ClientsModule.register([{ name: 'MATH', customClass: ClientAMQP, options: { urls, queue: 'math_rpc' } }]);
 * ```
 */
// The status generic stays `string`: ClientsModule's `customClass` wants a ClientProxy<..., string>,
// and a ReplaySubject<AmqpStatus> is not one; the public `status` getter is narrowed instead.
export class ClientAMQP extends ClientProxy<AmqpEventsMap> {
  protected readonly logger: ScopedLogger;
  private readonly listeners = new EventEmitter();
  private session: Promise<ClientSession> | undefined;
  private current: ClientSession | undefined;
  private readonly queue: string;
  private readonly timeoutMs: number;
  private defaultProperties: BasicProperties | undefined;
  protected readonly options: AmqpClientOptions;
  /** ClientRMQ publishes to an exchange, the pattern as routing key, with `wildcards` or a fanout exchange. */
  private readonly publishesToExchange: boolean;
  /** `maxConnectionAttempts` was given: every connect honours it, lazy ones included. */
  private readonly attemptsGiven: boolean;

  /** @throws InvalidOptionError naming an unknown option (with a "did you mean") or a value of the wrong type */
  constructor(options: AmqpClientOptions = {}) {
    super();
    const ignored: OptionWarnings = [];
    this.attemptsGiven = (options as { maxConnectionAttempts?: unknown } | undefined)?.maxConnectionAttempts !== undefined;
    this.options = sealOptions(readClientOptions(options, ignored));
    this.logger = new ScopedLogger(options.logger, 'ClientAMQP');
    logOptionWarnings(this.logger, 'ClientAMQP', ignored);
    this.queue = this.options.queue ?? DEFAULT_CLIENT_QUEUE;
    this.timeoutMs = this.options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.publishesToExchange = this.options.wildcards === true || this.options.exchangeType === 'fanout';
    this.initializeSerializer(this.options);
    this.initializeDeserializer(this.options);
  }

  /**
   * Connects (once; later calls share the same promise) and resolves to the shared connection. A
   * broker that is not there yet is waited for as ServerAMQP's start-up does (`maxConnectionAttempts`,
   * `startupTimeout`: no limit on attempts, 60 s). A `send` or `emit` before any `connect()` makes
   * one pass over the URLs instead and fails at once, as ClientRMQ's does, unless
   * `maxConnectionAttempts` is given.
   */
  connect(): Promise<AmqpConnection> {
    return this.connectWith(true);
  }

  private async connectWith(waitForBroker: boolean): Promise<AmqpConnection> {
    if (this.session === undefined) {
      const opening = this.openSession(waitForBroker || this.attemptsGiven ? undefined : 1);
      this.session = opening;
      opening.catch(() => {
        if (this.session === opening) this.session = undefined;
      });
    }
    const session = await this.session;
    return session.host.connection;
  }

  /** Fails pending requests, closes the client's channels and releases the shared connection. */
  async close(): Promise<void> {
    const opening = this.session;
    this.session = undefined;
    this.current = undefined;
    if (opening === undefined) return;
    const session = await opening.catch(() => undefined);
    if (session === undefined) return;
    // close() may have overtaken a connect() that was still opening.
    if (this.current === session) this.current = undefined;
    await this.dispose(session, new ConnectionClosedError({ replyCode: 200, replyText: 'client closed', initiator: 'client' }));
  }

  /** Status changes of the client's connection: connecting, connected, blocked, reconnecting, disconnected. */
  override get status(): Observable<AmqpStatus> {
    return super.status as Observable<AmqpStatus>;
  }

  /** Listens to connection events: connected, disconnected, blocked, unblocked, error. */
  override on<
    EventKey extends keyof AmqpEventsMap = keyof AmqpEventsMap,
    EventCallback extends AmqpEventsMap[EventKey] = AmqpEventsMap[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.listeners.on(event, callback);
  }

  /** The shared connection (its `unwrap()` is the engine connection of the moment). Throws before `connect()`. */
  unwrap<T = AmqpConnection>(): T {
    if (this.current === undefined) {
      throw new InvalidStateError('ClientAMQP is not connected: call connect() first', 'CLOSED');
    }
    return this.current.host.connection as unknown as T;
  }

  /**
   * Nest's `send`, without its per-call `defer(connect)` + `mergeMap` once connected: the request is
   * published when the observable is subscribed, as before. Before the first connect (or after the
   * connection closed) it is Nest's own path, which connects first.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.send(pattern, data);
    return new Observable<TResult>((observer) => {
      if (this.current === undefined) {
        return defer(() => this.connectWith(false))
          .pipe(mergeMap(() => super.send<TResult, TInput>(pattern, data)))
          .subscribe(observer);
      }
      return this.publish(createPacket(this, pattern, data), this.createObserver(observer));
    });
  }

  /**
   * Nest's `emit` (hot: dispatched at once, settles on the broker's confirm), without its per-call
   * `defer(connect)` + `mergeMap` once connected.
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.emit(pattern, data);
    const source =
      this.current === undefined
        ? defer(() => this.connectWith(false)).pipe(mergeMap(() => super.emit<TResult, TInput>(pattern, data)))
        : defer(() => this.dispatchEvent<TResult>(createPacket(this, pattern, data)));
    const hot = connectable(source, { connector: () => new Subject<TResult>(), resetOnDisconnect: false });
    hot.connect();
    return hot;
  }

  protected override initializeSerializer(options: AmqpClientOptions): void {
    this.serializer = options.serializer ?? new AmqpRecordSerializer();
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const session = this.current;
    if (session === undefined) {
      callback({ err: this.notConnectedError(), isDisposed: true });
      return noop;
    }
    return this.startRequest(session, packet, callback);
  }

  /**
   * The connection is recovering, or the RPC channel was closed by the broker (the connection lives
   * on): send once it is back, within the request timeout and, for a recovery, the outage budget.
   */
  private requestWhenBack(session: ClientSession, correlationId: string, request: RpcRequest, call: ReplyCall): () => void {
    const ready = session.rpc.isClosed ? this.reopenRpc(session) : session.host.waitOutOutage(request.body.length);
    let cancel: (() => void) | undefined;
    let abandoned = false;
    const timer = setTimeout(() => {
      abandoned = true;
      call.onError(new RequestTimeoutError(request.label, '(not sent: connection recovering)', request.timeoutMs));
    }, request.timeoutMs);
    ready.then(
      () => {
        clearTimeout(timer);
        if (!abandoned) cancel = session.rpc.request(correlationId, request, call);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!abandoned) call.onError(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return () => {
      abandoned = true;
      clearTimeout(timer);
      cancel?.();
    };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const session = this.current;
    if (session === undefined) throw this.notConnectedError();
    const serialized = this.serializePacket(packet);
    const { envelope, options } = splitOptions(serialized instanceof Promise ? await serialized : serialized);
    const { exchange, routingKey } = this.target(packet.pattern, options);
    const properties = this.properties(packet, options);
    // Through a recovery the event is sent again until the broker confirms it (at least once).
    await session.events.publish(exchange, routingKey, encodeEnvelope(envelope), properties, options?.mandatory);
    return undefined as T;
  }

  /** A new RPC channel in place of one the broker closed; rejects once the connection itself is gone. */
  private reopenRpc(session: ClientSession): Promise<void> {
    session.reopening ??= (async () => {
      try {
        const rpc = await DirectReplyRpc.open(session.host, this.options.replyQueue ?? DIRECT_REPLY_QUEUE, this.replyConsumer());
        if (session.disposed === true) {
          await rpc.close(new ConnectionClosedError({ replyCode: 200, replyText: 'client closed', initiator: 'client' }));
        } else {
          session.rpc = rpc;
        }
        return rpc;
      } finally {
        session.reopening = undefined;
      }
    })();
    return session.reopening.then(noop);
  }

  private startRequest(session: ClientSession, packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const correlationId = session.rpc.nextId();
    let serialized: SerializedPacket | Promise<SerializedPacket>;
    try {
      (packet as ReadPacket & { id: string }).id = correlationId;
      serialized = this.serializePacket(packet);
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return noop;
    }
    if (!(serialized instanceof Promise)) return this.sendRequest(session, correlationId, packet, serialized, callback);
    // A custom async serializer: send once it resolves; abandoning before that drops the request.
    let cancel: (() => void) | undefined;
    let abandoned = false;
    serialized.then(
      (value) => {
        if (!abandoned) cancel = this.sendRequest(session, correlationId, packet, value, callback);
      },
      (error: unknown) => callback({ err: error, isDisposed: true }),
    );
    return () => {
      abandoned = true;
      cancel?.();
    };
  }

  private sendRequest(
    session: ClientSession,
    correlationId: string,
    packet: ReadPacket,
    serialized: SerializedPacket,
    callback: (packet: WritePacket) => void,
  ): () => void {
    let body: Buffer;
    const { envelope, options } = splitOptions(serialized);
    try {
      body = encodeEnvelope(envelope);
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return noop;
    }
    const { exchange, routingKey } = this.target(packet.pattern, options);
    const request: RpcRequest = {
      exchange,
      routingKey,
      body,
      properties: this.properties(packet, options),
      timeoutMs: options?.timeout ?? this.timeoutMs,
      label: patternToString(packet.pattern),
      mandatory: options?.mandatory ?? true,
    };
    const call = new ReplyCall(this.deserializer, callback);
    if (session.rpc.isOpen) return session.rpc.request(correlationId, request, call);
    return this.requestWhenBack(session, correlationId, request, call);
  }

  private serializePacket(packet: ReadPacket): SerializedPacket | Promise<SerializedPacket> {
    return this.serializer.serialize(packet) as SerializedPacket | Promise<SerializedPacket>;
  }

  private properties(packet: ReadPacket, options: AmqpRecordOptions | undefined): BasicProperties {
    // The common case (no per-message options, no metadata): the same defaults every time, built once.
    // Nobody writes to it: the RPC path copies it to add replyTo/correlationId, the encoders only read it.
    if (options === undefined && packet.metadata === undefined) {
      this.defaultProperties ??= toBasicProperties(undefined, this.messageDefaults(undefined));
      return this.defaultProperties;
    }
    return toBasicProperties(options, this.messageDefaults(packet.metadata));
  }

  private messageDefaults(metadata: ReadPacket['metadata']): MessageDefaults {
    // Nest 12 dispatch metadata also travels as headers, for consumers that read only headers.
    const headers = metadataToHeaders(metadata, { ...this.options.headers });
    return {
      contentType: JSON_CONTENT_TYPE,
      persistent: this.options.persistent ?? false,
      headers: Object.keys(headers).length > 0 ? headers : undefined,
    };
  }

  /** Where a message goes: ClientRMQ's rule, unless the message's AmqpRecord chose an exchange or routing key. */
  private target(pattern: unknown, options: AmqpRecordOptions | undefined): { exchange: string; routingKey: string } {
    if (this.publishesToExchange) {
      return {
        exchange: options?.exchange ?? this.options.exchange ?? this.queue,
        routingKey: options?.routingKey ?? patternToString(pattern),
      };
    }
    const exchange = options?.exchange;
    if (exchange === undefined || exchange === '') return { exchange: '', routingKey: options?.routingKey ?? this.queue };
    return { exchange, routingKey: options?.routingKey ?? patternToString(pattern) };
  }

  private async openSession(maxAttempts?: number): Promise<ClientSession> {
    this._status$.next('connecting');
    telemetry?.refresh();
    let host: AmqpConnectionHost;
    try {
      host = await AmqpConnectionHost.acquire(this.options, undefined, maxAttempts === undefined ? undefined : { maxConnectionAttempts: maxAttempts });
    } catch (error) {
      this._status$.next('disconnected');
      throw error;
    }
    try {
      await this.declareTopology(host);
      const rpc = await DirectReplyRpc.open(host, this.options.replyQueue ?? DIRECT_REPLY_QUEUE, this.replyConsumer());
      const events = new ConfirmPublisher(host);
      const subscription = host.status$.subscribe((status) => this.onStatus(host, status));
      const session: ClientSession = { host, rpc, events, subscription, detach: this.forwardEvents(host) };
      this.current = session;
      this.notify('connected');
      return session;
    } catch (error) {
      await host.release();
      this._status$.next('disconnected');
      throw error;
    }
  }

  private onStatus(host: AmqpConnectionHost, status: AmqpStatus): void {
    this._status$.next(status);
    if (status !== 'disconnected' && status !== 'reconnecting') return;
    const session = this.current;
    if (session === undefined || session.host !== host) return;
    // Fail fast: nothing that was sent on the lost connection can be answered on it.
    const cause = host.lastError ?? new ConnectionLostError('connection lost');
    const pending = session.rpc.pendingCount;
    if (pending > 0) this.logger.warn(`failing ${pending} pending request(s): ${cause.message}`);
    session.rpc.failAll(cause);
    if (status === 'disconnected') {
      this.current = undefined;
      this.session = undefined;
      void this.dispose(session, cause);
    }
  }

  private forwardEvents(host: AmqpConnectionHost): () => void {
    const connected = (): void => this.notify('connected');
    const blocked = (reason: string): void => this.notify('blocked', reason);
    const unblocked = (): void => this.notify('unblocked');
    const disconnected = (error: AMQPError | undefined): void => this.notify('disconnected', error);
    const failed = (error: Error): void => this.notify('error', error);
    host.on('connected', connected);
    host.on('blocked', blocked);
    host.on('unblocked', unblocked);
    host.on('disconnected', disconnected);
    host.on('error', failed);
    return () => {
      host.off('connected', connected);
      host.off('blocked', blocked);
      host.off('unblocked', unblocked);
      host.off('disconnected', disconnected);
      host.off('error', failed);
    };
  }

  /** Calls the user's listeners; one that throws is logged, never thrown into the connection's callbacks. */
  private notify<E extends keyof AmqpEventsMap>(event: E, ...args: Parameters<AmqpEventsMap[E]>): void {
    for (const listener of this.listeners.listeners(event)) {
      try {
        (listener as (...values: Parameters<AmqpEventsMap[E]>) => void)(...args);
      } catch (error) {
        this.logger.error(`a ClientAMQP '${event}' listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const alias = nestEventAlias(event);
    if (alias !== undefined) this.notify(alias, ...(args as Parameters<AmqpEventsMap[typeof alias]>));
  }

  private async dispose(session: ClientSession, cause: Error): Promise<void> {
    session.disposed = true;
    session.subscription.unsubscribe();
    session.detach();
    await session.rpc.close(cause);
    await session.events.close();
    await session.host.release();
  }

  /**
   * ClientRMQ's set-up: with `wildcards` or fanout, the exchange (durable, `exchangeType`,
   * `exchangeArguments`); otherwise the queue (unless `noAssert`), bound to `exchange` with
   * `routingKey` when both are given.
   */
  private async declareTopology(host: AmqpConnectionHost): Promise<void> {
    const options = this.options;
    const { noAssert: queueNoAssert, ...queueOptions } = options.queueOptions ?? {};
    const declareQueue = !this.publishesToExchange && !(options.noAssert ?? queueNoAssert ?? false) && this.queue !== '';
    const bind = !this.publishesToExchange && options.exchange !== undefined && options.exchange !== '' && options.routingKey;
    if (!this.publishesToExchange && !declareQueue && !bind) return;
    // A scratch channel: a refused declaration (406) closes it, not the client's working channels.
    const channel = await host.channel();
    try {
      if (this.publishesToExchange) {
        await channel.exchangeDeclare({
          exchange: options.exchange ?? this.queue,
          exchangeType: options.exchangeType ?? 'topic',
          durable: true,
          arguments: { ...(options.exchangeArguments ?? {}) },
        });
        return;
      }
      if (declareQueue) await channel.queueDeclare({ queue: this.queue, durable: true, ...queueOptions });
      if (bind) await channel.queueBind({ queue: this.queue, exchange: options.exchange as string, routingKey: options.routingKey as string });
    } finally {
      if (channel.isOpen) await channel.close();
    }
  }

  private replyConsumer(): { prefetchCount?: number; global?: boolean; consumerTag?: string } {
    const { prefetchCount, isGlobalPrefetchCount, consumerTag } = this.options;
    const out: { prefetchCount?: number; global?: boolean; consumerTag?: string } = {};
    if (prefetchCount !== undefined) out.prefetchCount = prefetchCount;
    if (isGlobalPrefetchCount !== undefined) out.global = isGlobalPrefetchCount;
    if (consumerTag !== undefined) out.consumerTag = consumerTag;
    return out;
  }

  private notConnectedError(): Error {
    return this.current?.host.lastError ?? new InvalidStateError('ClientAMQP is not connected', 'CLOSED');
  }
}

/**
 * One request's side of the call: Nest's reply handling (ClientRMQ.handleMessage), where an error or
 * `isDisposed` ends the call. A class rather than closures made per request: fewer allocations, and
 * tsx (which the benches run under) wraps every named closure in a defineProperty of its name.
 */
class ReplyCall implements RpcCall {
  constructor(
    private readonly deserializer: ProducerDeserializer,
    private readonly callback: (packet: WritePacket) => void,
  ) {}

  onReply(properties: BasicProperties, body: Buffer): boolean | Promise<boolean> {
    const reply = this.deserializer.deserialize(parseEnvelopeBody(body), { properties }) as
      | DeserializedReply
      | Promise<DeserializedReply>;
    return reply instanceof Promise ? reply.then((resolved) => this.deliver(resolved)) : this.deliver(reply);
  }

  onError(error: Error): void {
    this.callback({ err: error, isDisposed: true });
  }

  private deliver(reply: DeserializedReply): boolean {
    const { err, response, isDisposed } = reply;
    if (isDisposed === true || (err !== undefined && err !== null)) {
      this.callback({ err, response, isDisposed: true });
      return true;
    }
    this.callback({ err, response });
    return false;
  }
}

function splitOptions(serialized: SerializedPacket): { envelope: Record<string, unknown>; options?: AmqpRecordOptions } {
  if (serialized === null || typeof serialized !== 'object' || !('options' in serialized)) return { envelope: serialized };
  const { options, ...envelope } = serialized;
  return options === undefined ? { envelope } : { envelope, options };
}

function noop(): void {}
