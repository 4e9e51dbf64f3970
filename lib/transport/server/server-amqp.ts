import {
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type OutgoingResponse,
  type WritePacket,
} from '@nestjs/microservices';
import type { Observable, Subscription } from 'rxjs';
import { InvalidStateError } from '../../protocol/errors.js';
import type { AmqpContext } from '../core/amqp.context.js';
import type { AmqpEventsMap, AmqpStatus } from '../core/amqp.events.js';
import { AmqpEventRelay } from '../connection/event-relay.js';
import { AmqpRequestDeserializer, handleRequest, runsPlainNestPlumbing } from '../compat/index.js';
import { warnAboutUnrunConsumers } from '../decorators/decorated-consumers.js';
import { AmqpConnectionHost, type AmqpConnection } from '../connection/connection-host.js';
import { sealOptions } from '../connection/sealed-options.js';
import { ConfirmPublisher } from '../publish/confirm-publisher.js';
import { AmqpReplySerializer } from './amqp-reply.serializer.js';
import { AMQP_TRANSPORT } from '../core/amqp-transport.js';
import type { ConsumerRunner } from '../consume/consumer-runner.js';
import { joinEventHandlers } from './event-handler-group.js';
import type { HandlerRunner } from '../consume/handler-invoker.js';
import { handlerRunner } from './handler-runner.js';
import { describeError } from '../consume/message-identity.js';
import type { PatternDispatcherHost } from './pattern-dispatcher.js';
import { listeningServers, type ListeningServer, type ServerAMQPHealth } from '../consume/consumer-directory.js';
import { toSerializedReply } from './reply-properties.js';
import { createServerRunners, servedConsumerPatterns, stopRunners } from './server-runners.js';
import type { ServerAMQPOptions } from '../options/server-amqp.options.js';
import { readServerOptions } from '../options/rmq-options.reader.js';
import { logOptionWarnings, type OptionWarnings } from '../options/option-warnings.js';
import type { TopicHandlers } from './topic-handlers.js';
import { telemetry } from '../telemetry/telemetry.js';
import { ScopedLogger } from '../logging/scoped-logger.js';

export type { ServerAMQPHealth } from '../consume/consumer-directory.js';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * A Nest microservice strategy for AMQP 0-9-1 on this package's engine:
 * `NestFactory.createMicroservice(AppModule, { strategy: new ServerAMQP(options) })` or
 * `app.connectMicroservice({ strategy })`.
 *
 * One connection per server (shared through AmqpConnectionHost), one channel per consumer: each
 * `@QueueConsumer` method, plus the default queue when the app has @MessagePattern/@EventPattern
 * handlers (served wire-compatibly with Nest's RMQ transport). At-least-once: nothing is acked
 * before its handler succeeded.
 */
export class ServerAMQP extends Server<AmqpEventsMap, AmqpStatus> implements CustomTransportStrategy, ListeningServer {

  override transportId = AMQP_TRANSPORT;
  // Event handler failures come back to the server, which nacks and logs them with the message: on
  // both majors the handler's result (Nest's exception filters make a thrown error an erroring
  // observable) is awaited by invokeHandler. Nest 12 reads this flag and then leaves the logging to us.
  override readonly propagatesEventHandlerErrors = true;

  private host: AmqpConnectionHost | undefined;
  private runners: ConsumerRunner[] = [];
  /** The confirm channel that failed messages are copied through (dead-letter queue, counted requeue); opened on first use. */
  private failureChannel: ConfirmPublisher | undefined;
  private closing: Promise<void> | undefined;
  /** The start in progress: close() waits for it, or what it starts would outlive the close. */
  private starting: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;
  private disconnectedEmitted = false;
  private readonly events: AmqpEventRelay;
  private readonly shutdown = new AbortController();
  /** Aborted by close(): a start-up still waiting for the broker stops waiting. */
  private readonly startup = new AbortController();
  /** Nest's Server logs under "Server"; this one under "ServerAMQP" (and each consumer under its queue), to the app's logger when given. */
  protected override readonly logger: ScopedLogger;

  /** Read (rmq-options.reader.ts), then sealed (sealed-options.ts): passwords and TLS keys never reach inspect, JSON or logs. */
  private readonly options: ServerAMQPOptions;
  /** With `wildcards`: the handlers whose pattern is a topic pattern, matched when no handler has the exact one. */
  private topicHandlers: TopicHandlers | undefined;
  /** The processing start hook Nest's constructor made: while it is still the one set, there is no hook to run. */
  private readonly nestStartHook: unknown = this.onProcessingStartHook;

  /** @throws InvalidOptionError naming an unknown option (with a "did you mean") or a value of the wrong type */
  constructor(options: ServerAMQPOptions = {}) {
    super();
    const ignored: OptionWarnings = [];
    this.options = sealOptions(readServerOptions(options, ignored));
    this.logger = new ScopedLogger(options.logger, 'ServerAMQP');
    logOptionWarnings(this.logger, 'ServerAMQP', ignored);
    this.events = new AmqpEventRelay('ServerAMQP', this.logger);
    this.initializeSerializer(this.options);
    this.initializeDeserializer(this.options);
  }

  /** Connects, declares and starts every consumer; `callback(err)` reports a failed start. */
  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.starting = this.start();
      await this.starting;
    } catch (error) {
      // Reported once, by whoever awaits the start (Nest rejects startAllMicroservices / listen with it).
      this.logger.debug(`failed to start: ${describeError(error)}`);
      await this.teardown();
      callback(error);
      return;
    }
    callback();
  }

  /**
   * Graceful stop: cancels every consumer, waits (up to `shutdownTimeout`) for in-flight handlers
   * and pending retries, lets their acks go out, closes the channels, then releases the connection.
   */
  async close(): Promise<void> {
    this.startup.abort();
    this.closing ??= (async () => {
      // A close during listen(): let the start finish (or fail), then stop all it started.
      await this.starting?.catch(() => undefined);
      await this.teardown();
    })();
    return this.closing;
  }

  /** Listens for connection events (connected, disconnected, blocked, unblocked, error). */
  on<
    EventKey extends keyof AmqpEventsMap = keyof AmqpEventsMap,
    EventCallback extends AmqpEventsMap[EventKey] = AmqpEventsMap[EventKey],
  >(event: EventKey, callback: EventCallback): void {
    this.events.on(event, callback);
  }

  /**
   * The connection this server uses: the shared, self-recovering connection, whose `unwrap()` is the
   * engine Connection of the moment (as ClientAMQP's). Throws before `listen`.
   */
  unwrap<T = AmqpConnection>(): T {
    if (this.host === undefined) {
      throw new InvalidStateError(
        'ServerAMQP has no connection yet: call listen() (startAllMicroservices) first',
        'idle',
      );
    }
    return this.host.connection as unknown as T;
  }

  /** A snapshot for health checks, from state already held. */
  getHealth(): ServerAMQPHealth {
    const host = this.host;
    const healing = this.runners.filter((runner) => runner.isExpected && !runner.isConsuming && runner.healing !== undefined);
    return {
      connection: host?.status ?? 'idle',
      connected: host !== undefined && host.connection.isOpen,
      // A consumer paused or cancelled on purpose (the consumer registry) is not a fault.
      consumers: this.runners.filter((runner) => runner.isExpected && runner.isConsuming).length,
      expectedConsumers: this.runners.filter((runner) => runner.isExpected).length,
      // A recovery re-declares a server-named queue under a new name: report the one consumed now.
      queues: this.runners.map((runner) =>
        host === undefined ? runner.queue : host.connection.queueName(runner.queue),
      ),
      ...(healing.length === 0 ? {} : { healing: healing.map((runner) => runner.spec.label) }),
    };
  }

  /** @internal The consumers this server runs (read by the consumer registry). */
  get consumerRunners(): readonly ConsumerRunner[] {
    return this.runners;
  }

  /**
   * A second event handler for a pattern joins the first in a group (event-handler-group.ts) instead
   * of Nest's `next` chain, whose forkJoin can end before every handler has: the event is acked only
   * once all of them succeeded.
   */
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    const route = this.normalizePattern(pattern as string);
    const existing = this.messageHandlers.get(route);
    if (!isEventHandler || existing?.isEventHandler !== true) {
      super.addHandler(pattern, callback, isEventHandler, extras);
      return;
    }
    callback.isEventHandler = true;
    callback.extras = extras;
    this.messageHandlers.set(route, joinEventHandlers(existing, callback));
  }

  /**
   * Nest's lookup JSON-parses every pattern first (a thrown SyntaxError per string pattern); a string
   * pattern is its own route, so try it as is before falling back to Nest's normalization.
   */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    const handler = this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
    if (handler !== null || this.topicHandlers === undefined) return handler;
    return this.topicHandlers.match(pattern);
  }

  protected override initializeSerializer(options: ServerAMQPOptions): void {
    this.serializer = options.serializer ?? new AmqpReplySerializer();
  }

  protected override initializeDeserializer(options: ServerAMQPOptions): void {
    this.deserializer = options.deserializer ?? new AmqpRequestDeserializer();
  }

  private async start(): Promise<void> {
    this._status$.next('connecting');
    telemetry?.refresh();
    const host = await AmqpConnectionHost.acquire(this.options, this.startup.signal);
    this.host = host;
    this.watch(host);
    const built = createServerRunners({
      handlers: this.messageHandlers,
      options: this.options,
      host,
      run: this.runHandler,
      logger: this.logger,
      shutdown: this.shutdown.signal,
      onLost: (runner, error) => this.consumerLost(runner, error),
      failurePublisher: () => (this.failureChannel ??= new ConfirmPublisher(host)),
      dispatcherHost: (logger) => this.dispatcherHost(logger),
    });
    this.runners = built.runners;
    this.topicHandlers = built.topicHandlers;
    warnAboutUnrunConsumers(servedConsumerPatterns(this.messageHandlers), this.logger);
    const results = await Promise.allSettled(this.runners.map((runner) => runner.start()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    listeningServers.add(this);
    this.events.emit('connected');
  }

  private async teardown(): Promise<void> {
    listeningServers.delete(this);
    this.shutdown.abort();
    await stopRunners(this.runners, this.options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, this.logger);
    await this.failureChannel?.close();
    this.failureChannel = undefined;
    const host = this.host;
    this.host = undefined;
    // Stop listening before release: a shared connection lives on for its other holders.
    this.unwatch?.();
    this.unwatch = undefined;
    if (host !== undefined) await host.release();
    this._status$.next('disconnected');
    if (host !== undefined && !this.disconnectedEmitted) {
      this.disconnectedEmitted = true;
      this.events.emit('disconnected', undefined);
    }
  }

  private watch(host: AmqpConnectionHost): void {
    const subscription: Subscription = host.status$.subscribe((status) => this._status$.next(status));
    const unfollow = this.events.follow(host, {
      disconnected: (error) => {
        // The connection host has logged the loss (once for all its holders): here it is only a status change.
        if (this.closing === undefined && error !== undefined) this.logger.debug(`lost its connection: ${error.message}`);
        this.disconnectedEmitted = true;
      },
    });
    this.unwatch = () => {
      subscription.unsubscribe();
      unfollow();
    };
  }

  private consumerLost(runner: ConsumerRunner, error: Error): void {
    if (this.closing !== undefined) return;
    this.logger.error(`${runner.spec.label} stopped consuming: ${describeError(error)}`);
    this.events.emit('error', error);
  }

  /** Runs a handler between Nest's processing hooks (none set: straight away); never rejects. */
  private readonly runHandler: HandlerRunner = handlerRunner(this, this.nestStartHook, (text) => this.logger.error(text));

  private dispatcherHost(logger: ScopedLogger): PatternDispatcherHost {
    return {
      getHandlerByPattern: (pattern: string): MessageHandler | null => this.getHandlerByPattern(pattern),
      deserialize: (value, options) =>
        this.deserializer.deserialize(value, options) as ReturnType<PatternDispatcherHost['deserialize']>,
      serializeReply: (packet: WritePacket) => {
        const outgoing: unknown = this.serializer.serialize(packet as OutgoingResponse);
        return outgoing instanceof Promise ? outgoing.then(toSerializedReply) : toSerializedReply(outgoing);
      },
      handleRequest: (context: AmqpContext, produce: () => Promise<Observable<unknown>>, respond) =>
        handleRequest(this, context, produce, respond),
      transformToObservable: (value: unknown): Observable<unknown> =>
        this.transformToObservable(value) as Observable<unknown>,
      plainPlumbing: () => runsPlainNestPlumbing(this, this.nestStartHook),
      defaultDeserializer: () => this.deserializer.constructor === AmqpRequestDeserializer,
      run: this.runHandler,
      logger,
    };
  }
}
