/**
 * The in-memory broker: an AMQP 0-9-1 server inside the test process that speaks frames to the
 * package's own engine through an in-process transport, so ServerAMQP, ClientAMQP, AmqpModule,
 * AmqpPublisher, @QueueConsumer, retries, dead-lettering and health run unchanged on it. Point the
 * app at `broker.url` (or `broker.install({ allHosts: true })` to catch every URL), then assert on
 * what the broker saw.
 */
import type { DynamicModule } from '@nestjs/common';
import type { BasicProperties } from '../protocol/index.js';
import type { DeadLetteredMessage, PublishedFilter, PublishedMessage } from './broker/journal.js';
import { Journal } from './broker/journal.js';
import { VirtualHost } from './broker/virtual-host.js';
import { ManualClock, timersClock, type BrokerClock } from './clock.js';
import { NotModelledError, TestKitTimeoutError } from './errors.js';
import { queueView, type QueueView } from './queue-view.js';
import type { BrokerCore, BrokerTuning } from './server/broker-core.js';
import { hostTaken, routeAllHosts, routeHost, type Acceptor } from './server/connect-hook.js';
import { FaultPlan, type FaultAction, type FaultMatch } from './server/fault-plan.js';
import { inMemoryBrokerModule } from './nest/in-memory-broker.module.js';
import { MemoryPipe } from './server/memory-transport.js';
import { ServerConnection } from './server/server-connection.js';

/** Options of {@link InMemoryBroker.start}. */
export interface InMemoryBrokerOptions {
  /** The host name its URLs use (`amqp://guest:guest@<host>/`). @default 'in-memory' */
  host?: string;
  /** Users and their passwords. @default { guest: 'guest' } */
  users?: Record<string, string>;
  /** Virtual hosts besides '/'. */
  vhosts?: string[];
  /**
   * Time for TTLs and queue expiry: 'timers' reads globalThis.setTimeout / Date.now at each call (so
   * Jest's and Vitest's fake timers drive it), 'manual' moves only by `broker.advance(ms)`.
   * @default 'timers'
   */
  clock?: 'timers' | 'manual' | BrokerClock;
  /** connection.tune values offered. @default { channelMax: 2047, frameMax: 131072, heartbeat: 0 } */
  tuning?: Partial<BrokerTuning>;
}

/** Options of the `waitFor...` methods. */
export interface WaitOptions {
  /** @default '/' */
  vhost?: string;
  /** @default 5000 */
  timeoutMs?: number;
}

/** Which messages `broker.deadLettered()` lists. */
export interface DeadLetteredFilter {
  queue?: string;
  reason?: DeadLetteredMessage['reason'];
  vhost?: string;
  /** Also those discarded because their queue had no dead-letter exchange. @default false */
  includeDiscarded?: boolean;
}

export class InMemoryBroker {
  readonly host: string;
  readonly #clock: BrokerClock;
  readonly #journal = new Journal();
  readonly #faults = new FaultPlan();
  readonly #users: Map<string, string>;
  readonly #vhosts = new Map<string, VirtualHost>();
  readonly #connections = new Set<ServerConnection>();
  readonly #notModelled: NotModelledError[] = [];
  readonly #undo: (() => void)[] = [];
  readonly #tuning: BrokerTuning;
  readonly #core: BrokerCore;
  #stopped = false;

  private constructor(options: InMemoryBrokerOptions) {
    this.host = (options.host ?? 'in-memory').toLowerCase();
    const clock = options.clock ?? 'timers';
    this.#clock = clock === 'timers' ? timersClock : clock === 'manual' ? new ManualClock() : clock;
    this.#users = new Map(Object.entries(options.users ?? { guest: 'guest' }));
    this.#tuning = { channelMax: 2047, frameMax: 131072, heartbeat: 0, ...options.tuning };
    for (const name of ['/', ...(options.vhosts ?? [])]) this.addVhost(name);
    this.#core = {
      clock: this.#clock,
      journal: this.#journal,
      faults: this.#faults,
      tuning: this.#tuning,
      password: (user) => this.#users.get(user),
      vhost: (name) => this.#vhosts.get(name),
      notModelled: (error) => void this.#notModelled.push(error),
      connectionClosed: (connection) => void this.#connections.delete(connection as ServerConnection),
    };
  }

  /** Starts a broker answering for `amqp://…@<host>/` (throws if another broker has that host). */
  static async start(options: InMemoryBrokerOptions = {}): Promise<InMemoryBroker> {
    const broker = new InMemoryBroker(options);
    if (hostTaken(broker.host)) {
      throw new Error(`an in-memory broker for host '${broker.host}' is already running: stop it first, or pass another { host }`);
    }
    broker.#undo.push(routeHost(broker.host, broker.#accept));
    return broker;
  }

  /** `amqp://guest:guest@<host>/` (or the vhost and user given). */
  url(options: { vhost?: string; user?: string; password?: string } = {}): string {
    const user = options.user ?? 'guest';
    const password = options.password ?? this.#users.get(user) ?? '';
    const vhost = options.vhost === undefined || options.vhost === '/' ? '' : encodeURIComponent(options.vhost);
    return `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${this.host}/${vhost}`;
  }

  /**
   * Also answers for other hosts, so an app whose configuration names `amqp://localhost` (or any
   * host) runs on this broker unchanged. Returns the undo (`stop()` undoes it too).
   */
  install(options: { hosts?: string[]; allHosts?: boolean } = { allHosts: true }): () => void {
    const undo = options.allHosts === true ? [routeAllHosts(this.#accept)] : (options.hosts ?? []).map((h) => routeHost(h, this.#accept));
    const all = (): void => undo.forEach((u) => u());
    this.#undo.push(all);
    return all;
  }

  /**
   * A Nest module that swaps this broker in with one line, whatever URL the app's configuration
   * names: `Test.createTestingModule({ imports: [AppModule, broker.module()] })`. From this call
   * until the app shuts down (or `stop()`), every AMQP connection the process opens comes here (as
   * `install({ allHosts: true })`); the module also provides the broker (`moduleRef.get(InMemoryBroker)`).
   */
  module(): DynamicModule {
    return inMemoryBrokerModule(this, InMemoryBroker, this.install({ allHosts: true }));
  }

  addVhost(name: string): void {
    if (!this.#vhosts.has(name)) this.#vhosts.set(name, new VirtualHost(name, this.#clock, this.#journal));
  }

  addUser(name: string, password: string): void {
    this.#users.set(name, password);
  }

  // --- what the broker holds and saw ---------------------------------------------------------

  /** A queue (undefined when it does not exist). */
  queue(name: string, vhost = '/'): QueueView | undefined {
    const q = this.#vhost(vhost).queues.get(name);
    return q === undefined ? undefined : queueView(vhost, q);
  }

  /** The names of the queues of a vhost. */
  queues(vhost = '/'): string[] {
    return [...this.#vhost(vhost).queues.keys()];
  }

  /** The names of the exchanges of a vhost (the default ones included). */
  exchanges(vhost = '/'): string[] {
    return [...this.#vhost(vhost).exchanges.keys()];
  }

  /** Messages published so far (by exchange, routing key, queue routed to, or a predicate). */
  published(filter: PublishedFilter = {}): PublishedMessage[] {
    return this.#journal.published(filter);
  }

  /** Messages dead-lettered so far, with the reason and the queue they left. */
  deadLettered(filter: DeadLetteredFilter = {}): DeadLetteredMessage[] {
    return this.#journal.deadLetters.filter(
      (d) =>
        (filter.includeDiscarded === true || d.deadLetterExchange !== undefined) &&
        (filter.queue === undefined || d.queue === filter.queue) &&
        (filter.reason === undefined || d.reason === filter.reason) &&
        (filter.vhost === undefined || d.vhost === filter.vhost),
    );
  }

  /** Deliveries of `queue` its consumers settled (ack, nack, reject) or took with auto-ack. */
  handled(queue: string, vhost = '/'): number {
    return this.#vhost(vhost).queues.get(queue)?.handled ?? 0;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Behaviours asked for that are not modelled (each also closed its connection with 540). */
  get notModelled(): readonly NotModelledError[] {
    return this.#notModelled;
  }

  // --- waiting -------------------------------------------------------------------------------

  /** Resolves once the consumers of `queue` settled at least `n` deliveries in all. */
  waitForHandled(queue: string, n: number, options: WaitOptions = {}): Promise<void> {
    return this.#wait(() => this.handled(queue, options.vhost) >= n, `${n} handled from '${queue}'`, () => `${this.handled(queue, options.vhost)} so far`, options);
  }

  /** Resolves once `queue` exists and holds exactly `n` ready messages. */
  waitForQueueDepth(queue: string, n: number, options: WaitOptions = {}): Promise<void> {
    const depth = (): number | undefined => this.queue(queue, options.vhost)?.messageCount;
    return this.#wait(() => depth() === n, `${n} ready in '${queue}'`, () => `now ${String(depth())}`, options);
  }

  /** Resolves once `queue` has at least `n` consumers (the app is listening). */
  waitForConsumers(queue: string, n = 1, options: WaitOptions = {}): Promise<void> {
    const count = (): number => this.queue(queue, options.vhost)?.consumerCount ?? 0;
    return this.#wait(() => count() >= n, `${n} consumer(s) on '${queue}'`, () => `now ${count()}`, options);
  }

  /** Resolves with the matching publishes once there are at least `n`. */
  async waitForPublished(filter: PublishedFilter, n = 1, options: WaitOptions = {}): Promise<PublishedMessage[]> {
    await this.#wait(() => this.published(filter).length >= n, `${n} matching publish(es)`, () => `${this.published(filter).length} so far`, options);
    return this.published(filter);
  }

  /** Resolves with the matching dead-lettered messages once there are at least `n`. */
  async waitForDeadLettered(filter: DeadLetteredFilter, n = 1, options: WaitOptions = {}): Promise<DeadLetteredMessage[]> {
    await this.#wait(() => this.deadLettered(filter).length >= n, `${n} dead-lettered`, () => `${this.deadLettered(filter).length} so far`, options);
    return this.deadLettered(filter);
  }

  // --- acting on it --------------------------------------------------------------------------

  /**
   * Publishes as a client would (no connection needed): an object or array body is sent as JSON with
   * content type application/json, a string as UTF-8.
   */
  publish(exchange: string, routingKey: string, body: unknown, properties: BasicProperties = {}, vhost = '/'): PublishedMessage {
    const v = this.#vhost(vhost);
    let bytes: Buffer;
    let props = properties;
    if (Buffer.isBuffer(body)) bytes = body;
    else if (typeof body === 'string') bytes = Buffer.from(body);
    else {
      bytes = Buffer.from(JSON.stringify(body));
      props = { contentType: 'application/json', ...properties };
    }
    if (exchange !== '') v.exchange(exchange);
    const result = v.publish(exchange, routingKey, props, bytes);
    const queues = result.queues.map((q) => q.name);
    const outcome = queues.length === 0 ? 'unroutable' : result.rejected ? 'rejected' : 'routed';
    this.#journal.recordPublish({ vhost, exchange, routingKey, properties: props, body: bytes, mandatory: false, queues, outcome });
    return this.#journal.publishes[this.#journal.publishes.length - 1]!;
  }

  /** Moves a manual clock forward (`clock: 'manual'`); with timers, advance your fake timers instead. */
  advance(ms: number): void {
    if (!(this.#clock instanceof ManualClock)) throw new Error("broker.advance() needs { clock: 'manual' }; with the default clock advance Jest's or Vitest's fake timers");
    this.#clock.advance(ms);
  }

  /** Arms a failure for the next publish matching `match` (nack, return, close the channel ...). */
  failNextPublish(action: FaultAction, match: FaultMatch = {}, times = 1): void {
    this.#faults.arm('publish', match, action, times);
  }

  /** Arms a failure for the next delivery matching `match` (close the channel or connection, drop it). */
  failNextDelivery(action: FaultAction, match: FaultMatch = {}, times = 1): void {
    this.#faults.arm('deliver', match, action, times);
  }

  /** Closes every channel consuming `queue` (or every channel) with a channel error now. */
  closeChannels(code: number, text = 'closed by the test', filter: { queue?: string } = {}): number {
    let n = 0;
    for (const c of this.#connections)
      for (const ch of [...c.channels.values()]) {
        if (filter.queue !== undefined && ![...ch.deliveries.consumers.values()].some((k) => k.queue.name === filter.queue)) continue;
        ch.closeWith(code, text, 0, 0);
        n++;
      }
    return n;
  }

  /** Closes every client connection from the broker's side (320 CONNECTION_FORCED by default). */
  closeConnections(code = 320, text = 'CONNECTION_FORCED - closed by the test'): void {
    for (const c of [...this.#connections]) c.closeConnection(code, text);
  }

  /** Loses every client connection at once, with no close handshake (a network failure). */
  dropConnections(): void {
    for (const c of [...this.#connections]) c.drop();
  }

  /** Forgets what was published and dead-lettered and every armed failure (topology stays). */
  reset(): void {
    this.#journal.clear();
    this.#faults.clear();
    this.#notModelled.length = 0;
  }

  /**
   * Closes every connection (320, as a broker shutting down) and stops answering. Close the app first.
   * @throws NotModelledError when something not modelled was asked for during the test (reset() forgets them)
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.closeConnections(320, "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'");
    for (const undo of this.#undo.splice(0)) undo();
    await Promise.resolve();
    const first = this.#notModelled[0];
    if (first !== undefined) throw first;
  }

  // --- internals -----------------------------------------------------------------------------

  #vhost(name = '/'): VirtualHost {
    const v = this.#vhosts.get(name);
    if (v === undefined) throw new Error(`the in-memory broker has no vhost '${name}'`);
    return v;
  }

  #wait(check: () => boolean, what: string, seen: () => string, options: WaitOptions): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return this.#journal.waitUntil(check, () => new TestKitTimeoutError(what, timeoutMs, seen()), timeoutMs);
  }

  readonly #accept: Acceptor = (_parameters, handlers) => {
    const pipe = new MemoryPipe(handlers);
    const connection = new ServerConnection(this.#core, pipe);
    this.#connections.add(connection);
    pipe.attach(connection);
    return pipe.transport;
  };
}
