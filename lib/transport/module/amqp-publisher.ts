import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Observable } from 'rxjs';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidStateError,
  type BasicProperties,
} from '../../protocol/index.js';
import type { AmqpConnection, AmqpStatus } from '../connection/connection-host.js';
import { PublisherSession, closedBy } from '../publish/publisher-session.js';
import { OutageBudget } from '../../protocol/recovery/outage-budget.js';
import { resolveRecoveryOptions } from '../../protocol/recovery/recovery-options.js';
import type { ResolvedModuleOptions } from '../options/module-options.reader.js';
import { sealOptions } from '../connection/sealed-options.js';
import { ErrorReplyError } from '../core/error-reply.error.js';
import { toBasicProperties, type AmqpMessageOptions } from '../options/message-options.js';
import { decodeBody, encodeBody } from '../publish/serialization.js';
import type { AmqpModuleOptions } from '../options/amqp-module.options.js';
import { MODULE_OPTIONS_TOKEN } from './amqp.module-definition.js';
import { declareTopology } from './topology.js';
import { telemetry } from '../telemetry/telemetry.js';
import { logValue } from '../logging/log-text.js';
import { ScopedLogger } from '../logging/scoped-logger.js';
import { REPLY_STATUS_HEADER } from '../core/message-headers.js';

/** Options of one publish: the message's AMQP properties, plus `mandatory`. */
export type AmqpPublishOptions = AmqpMessageOptions;

/**
 * Options of one AmqpPublisher.request: the request's properties (`headers`, `expiration`,
 * `correlationId` ... kept as given; a correlation id is generated only when none is), plus `timeout`.
 */
export interface AmqpRequestOptions extends AmqpMessageOptions {
  /** Milliseconds to wait for the reply. @default the module's `requestTimeout` (30000) */
  timeout?: number;
}

/**
 * Publishes from any provider. Every publish settles on the broker's confirm (rejects on a nack, on
 * an unroutable mandatory message, or when the connection goes); payloads are JSON unless they are
 * Buffers, which pass through untouched. The connection is the app's shared one
 * (AmqpConnectionHost): a ServerAMQP with the same `connectionKey` and URLs uses the same.
 */
@Injectable()
export class AmqpPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: ScopedLogger;
  private session: Promise<PublisherSession> | undefined;
  private currentSession: PublisherSession | undefined;
  private shutDown = false;
  private started = false;
  /** Ends a background start-up's connection attempts at shutdown. */
  private readonly stopping = new AbortController();
  /** `startup: 'background'`: what publishes may hold in memory until the first connection. */
  private readonly budget: OutageBudget | undefined;

  /** Sealed (sealed-options.ts): the URLs' passwords and TLS keys never reach inspect, JSON or logs. */
  private readonly options: AmqpModuleOptions;

  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: AmqpModuleOptions) {
    this.options = sealOptions(options);
    this.logger = new ScopedLogger(options.logger, 'AmqpPublisher');
    const serializer = options.serializer;
    if (serializer !== undefined && typeof serializer.serialize !== 'function') {
      throw new InvalidArgumentError('serializer', 'must have a serialize(payload) method');
    }
    if (options.startup === 'background') {
      const recovery = options.recovery === false ? {} : options.recovery;
      this.budget = new OutageBudget(resolveRecoveryOptions(recovery).outage);
    }
  }

  /** The state of its connection, for health checks: 'idle' before start, 'disconnected' once lost for good. */
  getHealth(): { connection: AmqpStatus | 'idle'; connected: boolean } {
    const session = this.currentSession;
    if (session === undefined) {
      const connection = this.session !== undefined ? 'connecting' : this.started ? 'disconnected' : 'idle';
      return { connection, connected: false };
    }
    return { connection: session.host.status, connected: session.host.connection.isOpen };
  }

  /**
   * Connects and declares the module's topology when the app starts, waiting for a late broker as
   * ServerAMQP does (a failure stops the start). With `startup: 'background'` the app starts at once
   * and the connection comes when the broker does.
   */
  async onModuleInit(): Promise<void> {
    if (this.budget === undefined) {
      await this.connected();
      this.started = true;
      return;
    }
    this.started = true;
    const opening = this.connected();
    opening.then(
      () => this.logger.log('connected (started in the background)'),
      (error: unknown) => {
        if (!this.shutDown) this.logger.error(`background connection failed: ${describe(error)}; the next publish tries again`);
      },
    );
    const waitMs = (this.options as ResolvedModuleOptions).startupWaitMs;
    if (waitMs !== undefined) await waitAtMost(opening, waitMs);
  }

  /** Releases the shared connection on app shutdown (the last holder closes it). */
  async onApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    this.stopping.abort();
    const opening = this.session;
    this.session = undefined;
    if (opening === undefined) return;
    const session = await opening.catch(() => undefined);
    if (session === undefined) return;
    if (this.currentSession === session) this.currentSession = undefined;
    await session.close();
  }

  /** The engine connection. Throws before the module started. */
  get connection(): AmqpConnection {
    if (this.currentSession === undefined)
      throw new InvalidStateError('AmqpPublisher is not connected yet', 'CLOSED');
    return this.currentSession.host.connection;
  }

  /** Status of the shared connection. */
  get status$(): Observable<AmqpStatus> {
    if (this.currentSession === undefined)
      throw new InvalidStateError('AmqpPublisher is not connected yet', 'CLOSED');
    return this.currentSession.host.status$;
  }

  /** Publishes to an exchange; resolves on the broker's confirm. */
  async publish(
    exchange: string,
    routingKey: string,
    payload: unknown,
    options?: AmqpPublishOptions,
  ): Promise<void> {
    const { body, properties } = this.message(payload, options);
    const session = await this.connectedFor(body.length);
    try {
      await session.confirms.publish(exchange, routingKey, body, properties, options?.mandatory);
    } catch (error) {
      // The caller gets the rejection and decides what it means: not an ERROR of ours.
      this.logger.debug(
        `publish to exchange ${logValue(exchange)} with routing key ${logValue(routingKey)}${identity(properties)} failed: ${describe(error)}`,
      );
      throw error;
    }
  }

  /**
   * Publishes straight to a queue (the default exchange); resolves on the broker's confirm, rejects
   * with MessageReturnedError when the queue does not exist (mandatory unless told otherwise).
   */
  sendToQueue(queue: string, payload: unknown, options?: AmqpPublishOptions): Promise<void> {
    return this.publish('', queue, payload, options);
  }

  /**
   * A request over direct reply-to: resolves to the reply body (JSON decoded, text for text/*, a
   * Buffer otherwise); rejects with ErrorReplyError when the consumer answered with an error reply
   * (`x-reply-status: error`), RequestTimeoutError, MessageReturnedError when nothing is bound for
   * it, InvalidArgumentError for a `correlationId` already waiting for its reply, or the
   * connection's error when it is lost.
   */
  async request<T = unknown>(
    exchange: string,
    routingKey: string,
    payload: unknown,
    options?: AmqpRequestOptions,
  ): Promise<T> {
    const { body, properties } = this.message(payload, options);
    const session = await this.connectedFor(body.length);
    // The caller's correlation id is kept: the reply is matched by it, so it must be unique while in flight.
    const correlationId = properties.correlationId ?? session.nextId();
    if (session.isPending(correlationId)) {
      throw new InvalidArgumentError(
        'correlationId',
        `"${correlationId}" is already used by a request waiting for its reply`,
      );
    }
    const label = exchange === '' ? routingKey : `${exchange}/${routingKey}`;
    // Its timeout and the outage budget count from now, whether or not the RPC channel exists yet.
    return new Promise<T>((resolve, reject) => {
      session.request(
        correlationId,
        {
          exchange,
          routingKey,
          body,
          properties,
          timeoutMs: options?.timeout ?? this.options.requestTimeout ?? 30_000,
          label,
          mandatory: options?.mandatory ?? true,
        },
        {
          onReply: (replyProperties, replyBody) => {
            const deserializer = this.options.serializer?.deserialize;
            const value =
              deserializer === undefined
                ? decodeBody(replyBody, replyProperties.contentType)
                : deserializer(replyBody, replyProperties.contentType);
            if (replyProperties.headers?.[REPLY_STATUS_HEADER] === 'error') {
              reject(
                new ErrorReplyError(
                  label,
                  correlationId,
                  (value as { error?: unknown } | undefined)?.error ?? value,
                ),
              );
            } else {
              resolve(value as T);
            }
            return true;
          },
          onError: reject,
        },
      );
    });
  }

  private message(
    payload: unknown,
    options: AmqpMessageOptions | undefined,
  ): { body: Buffer; properties: BasicProperties } {
    const { body, contentType } =
      this.options.serializer === undefined
        ? encodeBody(payload)
        : this.options.serializer.serialize(payload);
    const properties = toBasicProperties(options, {
      contentType,
      persistent: this.options.persistent ?? false,
      headers: this.options.headers,
    });
    return { body, properties };
  }

  private connected(): Promise<PublisherSession> {
    if (this.shutDown)
      return Promise.reject(
        new ConnectionClosedError({ replyCode: 200, replyText: 'publisher shut down', initiator: 'client' }),
      );
    if (this.session === undefined) {
      const opening = this.open();
      this.session = opening;
      opening.catch(() => {
        if (this.session === opening) this.session = undefined;
      });
    }
    return this.session;
  }

  /**
   * The session, for a message of `bytes`: before the first connection of a background start-up the
   * message waits in the outage budget (OutageBudgetError past a bound or at its deadline).
   */
  private connectedFor(bytes: number): Promise<PublisherSession> {
    const opening = this.connected();
    const budget = this.budget;
    if (budget === undefined || this.currentSession !== undefined) return opening;
    return new Promise<PublisherSession>((resolve, reject) => {
      let hold: ReturnType<OutageBudget['admit']>;
      try {
        hold = budget.admit(bytes, reject);
      } catch (error) {
        reject(error);
        return;
      }
      opening.then(
        (session) => {
          hold.release();
          resolve(session);
        },
        (error: unknown) => {
          hold.release();
          reject(error);
        },
      );
    });
  }

  private async open(): Promise<PublisherSession> {
    telemetry?.refresh();
    const session = await PublisherSession.open(this.options, {
      // In the background the app is up already: keep trying until the broker comes (or shutdown).
      signal: this.stopping.signal,
      startup: this.budget === undefined ? undefined : { startupTimeout: Number.POSITIVE_INFINITY },
      declare: async (host) => {
        const channel = await host.channel();
        try {
          await declareTopology(channel, this.options);
        } finally {
          if (channel.isOpen) await channel.close();
        }
      },
      eagerRpc: false,
      onEnded: (ended) => {
        // The next publish acquires a fresh connection instead of failing on the dead one.
        if (this.currentSession !== ended) return;
        this.currentSession = undefined;
        this.session = undefined;
      },
      closedError: closedBy('publisher'),
    });
    this.currentSession = session;
    return session;
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function identity(properties: BasicProperties): string {
  return properties.messageId === undefined ? '' : ` (messageId ${logValue(properties.messageId)})`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
