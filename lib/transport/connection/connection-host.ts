import { createHmac, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BehaviorSubject, type Observable } from 'rxjs';
import { distinctUntilChanged } from 'rxjs/operators';
import type { AMQPError } from '../../protocol/index.js';
import { RecoveringConnection } from '../../protocol/recovery/index.js';
import type { AmqpEventsMap } from '../core/amqp.events.js';
import type { AmqpChannel, AmqpConnection, AmqpStatus } from '../core/connection-types.js';
import type { AmqpConnectionOptions } from '../options/connection-options.js';
import { DEFAULT_AMQP_URL, resolveParameters, urlStrings } from './connection-parameters.js';
import { revealOptions, sealOptions } from './sealed-options.js';
import { connectAtStartup, startupPlan } from './startup-connect.js';
import { ScopedLogger } from '../logging/scoped-logger.js';

/** The per-process HMAC key of registry keys (never leaves this module). */
const KEY_SALT = randomBytes(32);

export type { AmqpChannel, AmqpConnection, AmqpStatus } from '../core/connection-types.js';

/**
 * One connection per (connectionKey, urls) in the process, ref-counted; shared by the server, the
 * clients and the publisher of one app so that they cost one TCP connection.
 *
 * The connection recovers by itself after an unexpected loss (unless `recovery: false`): status
 * goes 'reconnecting', then 'connected' again, channels and consumers restored. It reports
 * 'disconnected' (and the `disconnected` event) only once it is closed for good; the host is then
 * dropped from the registry, so the next `acquire` opens a fresh one. The last `release` closes it.
 */
export class AmqpConnectionHost {
  private static readonly registry = new Map<string, HostSlot>();
  private static readonly live = new Set<AmqpConnectionHost>();

  /** Every connection of the process not yet closed for good (read by AmqpHealthIndicator). */
  static liveHosts(): AmqpConnectionHost[] {
    return [...AmqpConnectionHost.live];
  }

  /**
   * Connects on the first acquire for a key; later acquires share the same connection. `startup`
   * overrides the start-up bounds of this acquire (a ClientAMQP's lazy connect makes one pass).
   */
  static async acquire(
    given: AmqpConnectionOptions = {},
    signal?: AbortSignal,
    startup?: Pick<AmqpConnectionOptions, 'maxConnectionAttempts' | 'startupTimeout'>,
  ): Promise<AmqpConnectionHost> {
    // The original options only live in this call (and the connect it starts); what stays is sealed.
    const revealed = revealOptions(given);
    const options = startup === undefined ? revealed : { ...revealed, ...startup };
    const key = AmqpConnectionHost.keyOf(options);
    for (;;) {
      let slot = AmqpConnectionHost.registry.get(key);
      if (slot === undefined) {
        const created = new HostSlot(key, (own) => AmqpConnectionHost.open(own, options, signal));
        // A failed open must not be cached: the next acquire tries again.
        created.promise.catch(() => AmqpConnectionHost.forgetSlot(created));
        AmqpConnectionHost.registry.set(key, created);
        slot = created;
      }
      const host = await slot.promise;
      // The last holder may have released (and closed) it while we waited: take a fresh one.
      if (host.closed) continue;
      host.warnIfDifferent(options);
      host.holders += 1;
      return host;
    }
  }

  /**
   * The registry key: same key and same URLs share one connection. The URLs may hold a password, so
   * they are keyed through an HMAC under a random key of this process: a key seen in a heap dump or
   * util.inspect cannot be checked against guessed passwords (an unsalted digest could).
   */
  static keyOf(given: AmqpConnectionOptions): string {
    const options = revealOptions(given);
    const urls = options.urls !== undefined && options.urls.length > 0 ? urlStrings(options.urls) : [DEFAULT_AMQP_URL];
    const digest = createHmac('sha256', KEY_SALT).update(urls.join('\n')).digest('base64url');
    return `${options.connectionKey ?? 'default'}|${digest}`;
  }

  private static forgetSlot(slot: HostSlot): void {
    if (AmqpConnectionHost.registry.get(slot.key) === slot) AmqpConnectionHost.registry.delete(slot.key);
  }

  private static async open(slot: HostSlot, options: AmqpConnectionOptions, signal?: AbortSignal): Promise<AmqpConnectionHost> {
    const status = new BehaviorSubject<AmqpStatus>('connecting');
    try {
      const recovery = options.recovery === false ? { enabled: false } : options.recovery;
      const hosts = resolveParameters(options);
      // A fixed reconnect delay (socketOptions.reconnectTimeInSeconds) spaces the start-up attempts too.
      const fixedDelay = recovery?.multiplier === 1 && recovery.initialDelayMs !== undefined ? recovery.initialDelayMs : undefined;
      const plan = startupPlan(options.maxConnectionAttempts, options.startupTimeout, fixedDelay);
      const connection = await connectAtStartup(
        () => RecoveringConnection.connect(hosts, { recovery }),
        hosts,
        plan,
        new ScopedLogger(options.logger, 'AmqpConnectionHost'),
        signal,
      );
      return new AmqpConnectionHost(slot, connection, status, sealOptions(options));
    } catch (error) {
      status.next('disconnected');
      status.complete();
      throw error;
    }
  }

  private holders = 0;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly statusSubject: BehaviorSubject<AmqpStatus>;
  private lastErrorValue: AMQPError | undefined;
  private readonly events = new EventEmitter();
  /** The first holder's `logger` (the connection is one, whoever holds it). */
  private readonly logger: ScopedLogger;

  /** The shared connection (`connection.unwrap()` is the engine connection of the moment). */
  readonly connection: AmqpConnection;
  /** Status changes of the shared connection (replays the current one to late subscribers). */
  readonly status$: Observable<AmqpStatus>;

  private constructor(
    private readonly slot: HostSlot,
    connection: AmqpConnection,
    status: BehaviorSubject<AmqpStatus>,
    /** Sealed: no password in reach of inspect or JSON. */
    private readonly openedWith: AmqpConnectionOptions,
  ) {
    this.logger = new ScopedLogger(openedWith.logger, 'AmqpConnectionHost');
    this.connection = connection;
    this.statusSubject = status;
    this.status$ = status.asObservable().pipe(distinctUntilChanged());
    AmqpConnectionHost.live.add(this);
    status.next(connection.isBlocked ? 'blocked' : 'connected');
    connection.addOnConnectionBlockedCallback((_connection, reason) => {
      this.logger.warn(`broker blocked the connection: ${reason}`);
      this.statusSubject.next('blocked');
      this.notify('blocked', reason);
    });
    connection.addOnConnectionUnblockedCallback(() => {
      this.statusSubject.next('connected');
      this.notify('unblocked');
    });
    connection.addOnCloseCallback((_connection, error) => this.onConnectionClosed(error));
    connection.on('recovering', (cause) => {
      this.lastErrorValue = cause;
      this.logger.warn(`connection lost, recovering: ${cause.message}`);
      this.statusSubject.next('reconnecting');
    });
    connection.on('recovered', () => {
      this.logger.log('connection recovered');
      this.statusSubject.next(connection.isBlocked ? 'blocked' : 'connected');
      this.notify('connected');
    });
    connection.on('topologyRecoveryError', (error, what) => {
      this.logger.error(`could not restore ${what} after recovery: ${error.message}`);
      this.notify('error', error);
    });
    // What the connection reports and survives (an oversize message rejected, say): logged and passed on.
    connection.on('error', (error) => {
      this.logger.error(error.message);
      this.notify('error', error);
    });
  }

  /** Resolves once the connection is usable (at once when it is); rejects when it closed for good. */
  whenReady(): Promise<void> {
    return this.connection.whenReady();
  }

  /**
   * Like whenReady, for a caller that keeps a message of `bytes` in memory while it waits: counted by
   * the outage budget, rejected with OutageBudgetError past a bound or at the deadline.
   */
  waitOutOutage(bytes: number, signal?: AbortSignal): Promise<void> {
    return this.connection.waitOutOutage(bytes, signal);
  }

  /** The error the connection died with, when it was not closed by us. */
  get lastError(): AMQPError | undefined {
    return this.lastErrorValue;
  }

  /** The current status (the last value `status$` emitted). */
  get status(): AmqpStatus {
    return this.statusSubject.value;
  }

  /** The `connectionKey` it was opened under ('default' when none was given); never the URLs, which may hold credentials. */
  get key(): string {
    return this.openedWith.connectionKey ?? 'default';
  }

  /** How many holders share this connection. */
  get holderCount(): number {
    return this.holders;
  }

  /** Subscribes to the connection's events (blocked, unblocked, disconnected ...). */
  on<E extends keyof AmqpEventsMap>(event: E, listener: AmqpEventsMap[E]): void {
    this.events.on(event, listener);
  }

  /** Removes a listener added with {@link on}. */
  off<E extends keyof AmqpEventsMap>(event: E, listener: AmqpEventsMap[E]): void {
    this.events.off(event, listener);
  }

  /** Opens a new channel on the shared connection (after the recovery in progress, if any). */
  channel(): Promise<AmqpChannel> {
    return this.connection.channel();
  }

  /** Gives up one hold; the last release closes the connection. Safe to call on a dead host. */
  async release(): Promise<void> {
    if (this.holders > 0) this.holders -= 1;
    if (this.holders > 0) return;
    await this.shutdown();
  }

  /** Emits to the holders; a throwing listener is logged, never thrown into the connection's callbacks. */
  private notify<E extends keyof AmqpEventsMap>(event: E, ...args: Parameters<AmqpEventsMap[E]>): void {
    for (const listener of this.events.listeners(event)) {
      try {
        (listener as (...values: Parameters<AmqpEventsMap[E]>) => void)(...args);
      } catch (error) {
        this.logger.error(`a '${event}' listener threw: ${describe(error)}`);
      }
    }
  }

  /** Sharing ignores a later holder's connection settings: say so rather than surprise. */
  private warnIfDifferent(options: AmqpConnectionOptions): void {
    const mine = revealOptions(this.openedWith);
    // Only settings the later holder actually gives can disagree.
    const nameDiffers = options.connectionName !== undefined && options.connectionName !== mine.connectionName;
    const optionsDiffer =
      options.connectionOptions !== undefined && !shallowEqual(options.connectionOptions, mine.connectionOptions);
    if (!nameDiffers && !optionsDiffer) return;
    this.logger.warn(
      `the connection "${mine.connectionKey ?? 'default'}" is shared and keeps the settings it was opened with ` +
        '(connectionName, connectionOptions); give a different connectionKey for a separate connection',
    );
  }

  private shutdown(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.closed = true;
    this.forget();
    this.closing = (async () => {
      // Not only when open: a connection that is recovering must be told to stop, or it comes back.
      if (this.connection.state !== 'CLOSED') {
        try {
          await this.connection.close();
        } catch (error) {
          // The socket may die during close: the connection is gone either way.
          this.logger.warn(`closing the connection failed: ${describe(error)}`);
        }
      }
      this.finish();
    })();
    return this.closing;
  }

  private onConnectionClosed(error: AMQPError | undefined): void {
    if (error !== undefined) {
      this.lastErrorValue = error;
      this.logger.error(`connection lost: ${error.message}`);
    }
    this.closed = true;
    this.forget();
    this.finish();
  }

  private finish(): void {
    AmqpConnectionHost.live.delete(this);
    if (this.statusSubject.closed) return;
    // The event first: holders detach their listeners when they see the status change.
    this.notify('disconnected', this.lastErrorValue);
    this.events.removeAllListeners();
    this.statusSubject.next('disconnected');
    this.statusSubject.complete();
  }

  private forget(): void {
    AmqpConnectionHost.forgetSlot(this.slot);
  }
}

/** A registry entry: one connection being opened, or open, under one key. */
class HostSlot {
  readonly promise: Promise<AmqpConnectionHost>;
  constructor(
    readonly key: string,
    open: (slot: HostSlot) => Promise<AmqpConnectionHost>,
  ) {
    this.promise = open(this);
  }
}

function shallowEqual(a: object | undefined, b: object | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const left = Object.entries(a);
  const right = b as Record<string, unknown>;
  return left.length === Object.keys(b).length && left.every(([key, value]) => right[key] === value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
