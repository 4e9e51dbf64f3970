import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Observable, Subject, connectable, defer, mergeMap, type Subscriber } from 'rxjs';
import { InvalidStateError, type BasicProperties } from '../../protocol/index.js';
import type { AmqpEventsMap } from '../core/amqp.events.js';
import { AmqpEventRelay } from '../connection/event-relay.js';
import { readClientOptions } from '../options/rmq-options.reader.js';
import { logOptionWarnings, type OptionWarnings } from '../options/option-warnings.js';
import { createPacket } from '../compat/index.js';
import type { AmqpConnection, AmqpStatus } from '../connection/connection-host.js';
import { sealOptions } from '../connection/sealed-options.js';
import type { RpcRequest } from '../publish/direct-reply-rpc.js';
import { PublisherSession, closedBy } from '../publish/publisher-session.js';
import { toBasicProperties } from '../options/message-options.js';
import { encodeEnvelope, patternToString } from '../publish/nest-envelope.js';
import {
  DEFAULT_CLIENT_QUEUE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type AmqpClientOptions,
} from '../options/amqp-client.options.js';
import { AmqpRecordSerializer, type SerializedPacket } from './amqp-record.serializer.js';
import type { AmqpRecordOptions } from './amqp.record-builder.js';
import { telemetry } from '../telemetry/telemetry.js';
import { declareClientTopology } from './client-topology.js';
import { messageDefaults, replyConsumer, requestTarget, splitOptions } from './client-request.js';
import { ObserverReplyCall, ReplyCall, type ReplyMapping } from './reply-call.js';
import { ScopedLogger } from '../logging/scoped-logger.js';

/** What one connected client holds; replaced as a whole when the connection is closed for good. */
interface ClientSession {
  readonly publisher: PublisherSession;
  /** Removes this client's listeners from the shared host. */
  readonly detach: () => void;
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
  private readonly events: AmqpEventRelay;
  private session: Promise<ClientSession> | undefined;
  private current: ClientSession | undefined;
  private readonly queue: string;
  private readonly timeoutMs: number;
  private defaultProperties: BasicProperties | undefined;
  protected readonly options: AmqpClientOptions;
  /** ClientRMQ publishes to an exchange, the pattern as routing key, with `wildcards` or a fanout exchange. */
  private readonly publishesToExchange: boolean;
  /** Where a message without options goes when the client publishes to its queue (made once). */
  private readonly queueTarget: { readonly exchange: string; readonly routingKey: string };
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
    this.events = new AmqpEventRelay('ClientAMQP', this.logger);
    this.queue = this.options.queue ?? DEFAULT_CLIENT_QUEUE;
    this.timeoutMs = this.options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.publishesToExchange = this.options.wildcards === true || this.options.exchangeType === 'fanout';
    this.queueTarget = { exchange: '', routingKey: this.queue };
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
    return session.publisher.host.connection;
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
    session.detach();
    await session.publisher.close();
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
    this.events.on(event, callback);
  }

  /** The shared connection (its `unwrap()` is the engine connection of the moment). Throws before `connect()`. */
  unwrap<T = AmqpConnection>(): T {
    if (this.current === undefined) {
      throw new InvalidStateError('ClientAMQP is not connected: call connect() first', 'CLOSED');
    }
    return this.current.publisher.host.connection as unknown as T;
  }

  /**
   * Nest's `send`, without its per-call `defer(connect)` + `mergeMap` once connected: the request is
   * published when the observable is subscribed, as before. Before the first connect (or after the
   * connection closed) it is Nest's own path, which connects first.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined)
      return super.send(pattern, data);
    return new Observable<TResult>((observer) => {
      if (this.current === undefined) {
        return defer(() => this.connectWith(false))
          .pipe(mergeMap(() => super.send<TResult, TInput>(pattern, data)))
          .subscribe(observer);
      }
      const packet = createPacket(this, pattern, data);
      // Nest's own publish and createObserver: the replies go straight to the subscriber (see ObserverReplyCall).
      if (this.publish === ownPublish && this.createObserver === nestCreateObserver)
        return this.publishCall(packet, new ObserverReplyCall(this.deserializer, observer as Subscriber<unknown>, this as unknown as ReplyMapping));
      return this.publish(packet, this.createObserver(observer));
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
    return this.publishCall(packet, new ReplyCall(this.deserializer, callback));
  }

  private publishCall(packet: ReadPacket, call: ReplyCall): () => void {
    const session = this.current;
    if (session === undefined) {
      call.fail(this.notConnectedError());
      return noop;
    }
    return this.startRequest(session, packet, call);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const session = this.current;
    if (session === undefined) throw this.notConnectedError();
    const serialized = this.serializePacket(packet);
    const { envelope, options } = splitOptions(serialized instanceof Promise ? await serialized : serialized);
    const { exchange, routingKey } = requestTarget(this.publishesToExchange, this.options.exchange, this.queue, packet.pattern, options);
    const properties = this.properties(packet, options);
    // Through a recovery the event is sent again until the broker confirms it (at least once).
    await session.publisher.confirms.publish(
      exchange,
      routingKey,
      encodeEnvelope(envelope),
      properties,
      options?.mandatory,
    );
    return undefined as T;
  }

  private startRequest(
    session: ClientSession,
    packet: ReadPacket,
    call: ReplyCall,
  ): () => void {
    const correlationId = session.publisher.nextId();
    let serialized: SerializedPacket | Promise<SerializedPacket>;
    try {
      (packet as ReadPacket & { id: string }).id = correlationId;
      serialized = this.serializePacket(packet);
    } catch (error) {
      call.fail(error);
      return noop;
    }
    if (!(serialized instanceof Promise))
      return this.sendRequest(session, correlationId, packet, serialized, call);
    // A custom async serializer: send once it resolves; abandoning before that drops the request.
    let cancel: (() => void) | undefined;
    let abandoned = false;
    serialized.then(
      (value) => {
        if (!abandoned) cancel = this.sendRequest(session, correlationId, packet, value, call);
      },
      (error: unknown) => call.fail(error),
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
    call: ReplyCall,
  ): () => void {
    let body: Buffer;
    // Without options (the common case) the serialized packet is the envelope: no split, no copy.
    let envelope: Record<string, unknown> = serialized;
    let options: AmqpRecordOptions | undefined;
    if (serialized === null || typeof serialized !== 'object' || 'options' in serialized) ({ envelope, options } = splitOptions(serialized));
    try {
      body = encodeEnvelope(envelope);
    } catch (error) {
      call.fail(error);
      return noop;
    }
    const { exchange, routingKey } =
      options === undefined && !this.publishesToExchange ? this.queueTarget : requestTarget(this.publishesToExchange, this.options.exchange, this.queue, packet.pattern, options);
    const request: RpcRequest = {
      exchange,
      routingKey,
      body,
      properties: this.properties(packet, options),
      timeoutMs: options?.timeout ?? this.timeoutMs,
      label: patternToString(packet.pattern),
      mandatory: options?.mandatory ?? true,
    };
    // Sent at once on an open RPC channel; otherwise held inside the outage budget and its own timeout.
    return session.publisher.request(correlationId, request, call);
  }

  private serializePacket(packet: ReadPacket): SerializedPacket | Promise<SerializedPacket> {
    return this.serializer.serialize(packet) as SerializedPacket | Promise<SerializedPacket>;
  }

  private properties(packet: ReadPacket, options: AmqpRecordOptions | undefined): BasicProperties {
    // The common case (no per-message options, no metadata): the same defaults every time, built once.
    // Nobody writes to it: the RPC path copies it to add replyTo/correlationId, the encoders only read it.
    if (options === undefined && packet.metadata === undefined) {
      this.defaultProperties ??= toBasicProperties(undefined, messageDefaults(this.options, undefined));
      return this.defaultProperties;
    }
    return toBasicProperties(options, messageDefaults(this.options, packet.metadata));
  }

  private async openSession(maxAttempts?: number): Promise<ClientSession> {
    this._status$.next('connecting');
    telemetry?.refresh();
    let publisher: PublisherSession;
    try {
      publisher = await PublisherSession.open(this.options, {
        declare: (host) => declareClientTopology(host, this.options, this.queue, this.publishesToExchange),
        eagerRpc: true,
        replyQueue: this.options.replyQueue,
        replyConsumer: replyConsumer(this.options),
        onStatus: (from, status, failed, cause) => this.onStatus(from, status, failed, cause),
        closedError: closedBy('client'),
        startup: maxAttempts === undefined ? undefined : { maxConnectionAttempts: maxAttempts },
      });
    } catch (error) {
      this._status$.next('disconnected');
      throw error;
    }
    const session: ClientSession = { publisher, detach: this.events.follow(publisher.host) };
    this.current = session;
    this.events.emit('connected');
    return session;
  }

  private onStatus(publisher: PublisherSession, status: AmqpStatus, failed: number, cause: Error): void {
    this._status$.next(status);
    const session = this.current;
    if (session === undefined || session.publisher !== publisher) return;
    if (failed > 0) this.logger.warn(`failing ${failed} pending request(s): ${cause.message}`);
    if (status === 'disconnected') {
      // The publisher session lets go of the connection itself; the next call opens a new one.
      this.current = undefined;
      this.session = undefined;
      session.detach();
    }
  }

  private notConnectedError(): Error {
    return (
      this.current?.publisher.host.lastError ?? new InvalidStateError('ClientAMQP is not connected', 'CLOSED')
    );
  }
}

function noop(): void {}

const ownPublish: unknown = ClientAMQP.prototype['publish'];
const nestCreateObserver: unknown = (ClientProxy.prototype as unknown as { createObserver: unknown }).createObserver;
