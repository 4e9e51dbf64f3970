/**
 * One virtual host: its exchanges and queues, routing (exchange-to-exchange bindings, alternate
 * exchanges, CC/BCC), dead-lettering, and the refusals RabbitMQ gives for topology methods (403
 * reserved names, 404 missing, 406 inequivalent or in use). Which connection may use an exclusive
 * queue is checked here too (405), since the vhost knows each queue's owner.
 */
import type { BasicProperties, FieldTable } from '../../protocol/index.js';
import type { BrokerClock } from '../clock.js';
import { Code, refuse } from '../errors.js';
import { deadLetterProperties, isDeadLetterCycle, publishedRoutingKeys } from './dead-letter.js';
import { exchangeType, MemoryExchange, type BindingDestination } from './exchange.js';
import type { Journal } from './journal.js';
import { MemoryQueue, type DeathReason, type QueueHost } from './memory-queue.js';
import type { BrokerMessage, QueuedMessage } from './message.js';
import { assertEquivalentArgs, assertEquivalentFlag, parseQueueArgs } from './queue-args.js';

/** The flags of a declare. */
export interface DeclareFlags {
  passive: boolean;
  durable: boolean;
  autoDelete: boolean;
  exclusive?: boolean;
  internal?: boolean;
}

/** A connection-like owner of exclusive queues. */
export type Owner = object;

/** Where one publish went. */
export interface RouteResult {
  queues: MemoryQueue[];
  rejected: boolean;
}

const DEFAULT_EXCHANGES: [string, 'direct' | 'fanout' | 'topic' | 'headers'][] = [
  ['', 'direct'],
  ['amq.direct', 'direct'],
  ['amq.fanout', 'fanout'],
  ['amq.topic', 'topic'],
  ['amq.headers', 'headers'],
  ['amq.match', 'headers'],
];

/** A channel consuming amq.rabbitmq.reply-to, by the token in the reply address. */
export interface ReplyTarget {
  deliverReply(message: BrokerMessage): void;
}

export class VirtualHost implements QueueHost {
  readonly exchanges = new Map<string, MemoryExchange>();
  readonly queues = new Map<string, MemoryQueue>();
  readonly replyTargets = new Map<string, ReplyTarget>();
  #seq = 0;
  #generated = 0;

  constructor(
    readonly name: string,
    readonly clock: BrokerClock,
    readonly journal: Journal,
  ) {
    for (const [xname, type] of DEFAULT_EXCHANGES) this.exchanges.set(xname, new MemoryExchange(xname, type, true, false, false, {}));
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  // --- exchanges ---------------------------------------------------------------------------

  declareExchange(name: string, type: string, flags: DeclareFlags, args: FieldTable): void {
    const existing = this.exchanges.get(name);
    if (name === '') throw refuse(Code.ACCESS_REFUSED, `operation not permitted on the default exchange`);
    if (flags.passive) {
      if (existing === undefined) throw this.#noExchange(name);
      return;
    }
    if (existing === undefined) {
      if (name.startsWith('amq.')) throw refuse(Code.ACCESS_REFUSED, `exchange name '${name}' contains reserved prefix 'amq.*'`);
      const x = new MemoryExchange(name, exchangeType(type), flags.durable, flags.autoDelete, flags.internal ?? false, args);
      this.exchanges.set(name, x);
      return;
    }
    const what = 'exchange';
    assertEquivalentFlag(what, name, this.name, 'type', existing.type, type);
    assertEquivalentFlag(what, name, this.name, 'durable', existing.durable, flags.durable);
    assertEquivalentFlag(what, name, this.name, 'auto_delete', existing.autoDelete, flags.autoDelete);
    assertEquivalentFlag(what, name, this.name, 'internal', existing.internal, flags.internal ?? false);
    assertEquivalentArgs(what, name, this.name, existing.args, args, ['alternate-exchange']);
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '') throw refuse(Code.ACCESS_REFUSED, `operation not permitted on the default exchange`);
    if (name.startsWith('amq.')) throw refuse(Code.ACCESS_REFUSED, `deletion of system exchange '${name}' is not allowed`);
    const x = this.exchanges.get(name);
    if (x === undefined) return;
    if (ifUnused && x.bindings.length > 0) throw refuse(Code.PRECONDITION_FAILED, `exchange '${name}' in vhost '${this.name}' in use`);
    this.exchanges.delete(name);
    this.#removeDestination({ kind: 'exchange', name });
  }

  exchange(name: string): MemoryExchange {
    const x = this.exchanges.get(name);
    if (x === undefined) throw this.#noExchange(name);
    return x;
  }

  // --- queues ------------------------------------------------------------------------------

  /** Declares (or checks) a queue; returns it with the name given or generated. */
  declareQueue(requested: string, flags: DeclareFlags, args: FieldTable, owner: Owner): MemoryQueue | { name: string; reply: true } {
    const name = requested === '' ? `amq.gen-${(++this.#generated).toString(36)}${Math.random().toString(36).slice(2, 12)}` : requested;
    if (flags.passive) {
      if (name === 'amq.rabbitmq.reply-to') return { name, reply: true };
      const q = this.queue(name);
      this.checkAccess(q, owner);
      q.touch();
      return q;
    }
    const existing = this.queues.get(name);
    if (existing === undefined) {
      if (requested.startsWith('amq.')) throw refuse(Code.ACCESS_REFUSED, `queue name '${name}' contains reserved prefix 'amq.*'`);
      const parsed = parseQueueArgs(name, args);
      if (parsed.type === 'quorum') {
        if (!flags.durable) throw refuse(Code.PRECONDITION_FAILED, `invalid property 'non-durable' for queue '${name}'`);
        if (flags.exclusive === true) throw refuse(Code.PRECONDITION_FAILED, `invalid property 'exclusive-owner' for queue '${name}'`);
        if (flags.autoDelete) throw refuse(Code.PRECONDITION_FAILED, `invalid property 'auto-delete' for queue '${name}'`);
      }
      const q = new MemoryQueue(name, this, flags.durable, flags.autoDelete, flags.exclusive === true ? owner : undefined, parsed, { ...args });
      this.queues.set(name, q);
      // Every queue is bound to the default exchange by its name (implicitly, as in RabbitMQ).
      this.journal.changed();
      return q;
    }
    const wanted = flags.exclusive === true ? owner : undefined;
    if (existing.owner !== wanted) throw this.#locked(name);
    assertEquivalentFlag('queue', name, this.name, 'durable', existing.durable, flags.durable);
    assertEquivalentFlag('queue', name, this.name, 'auto_delete', existing.autoDelete, flags.autoDelete);
    assertEquivalentArgs('queue', name, this.name, existing.declaredArgs as FieldTable, args);
    existing.touch();
    return existing;
  }

  queue(name: string): MemoryQueue {
    const q = this.queues.get(name);
    if (q === undefined) throw refuse(Code.NOT_FOUND, `no queue '${name}' in vhost '${this.name}'`);
    return q;
  }

  /** 405 unless `owner` may use the queue (it is not exclusive, or exclusive to `owner`). */
  checkAccess(q: MemoryQueue, owner: Owner): void {
    if (q.owner !== undefined && q.owner !== owner) throw this.#locked(q.name);
  }

  deleteQueue(name: string, ifUnused: boolean, ifEmpty: boolean, owner: Owner | undefined): number {
    const q = this.queues.get(name);
    if (q === undefined) return 0;
    if (owner !== undefined) this.checkAccess(q, owner);
    if (ifUnused && q.consumers.length > 0) throw refuse(Code.PRECONDITION_FAILED, `queue '${name}' in vhost '${this.name}' in use`);
    if (ifEmpty && q.messageCount > 0) throw refuse(Code.PRECONDITION_FAILED, `queue '${name}' in vhost '${this.name}' is not empty`);
    this.queues.delete(name);
    this.#removeDestination({ kind: 'queue', name });
    return q.delete();
  }

  /** The exclusive queues of a connection that closed go with it. */
  ownerGone(owner: Owner): void {
    for (const q of [...this.queues.values()]) if (q.owner === owner) this.deleteQueue(q.name, false, false, undefined);
  }

  expire(queue: MemoryQueue): void {
    if (this.queues.get(queue.name) === queue) this.deleteQueue(queue.name, false, false, undefined);
  }

  changed(_queue: MemoryQueue): void {
    this.journal.changed();
  }

  // --- bindings ----------------------------------------------------------------------------

  bind(destination: BindingDestination, source: string, routingKey: string, args: FieldTable, owner: Owner): void {
    if (source === '') throw refuse(Code.ACCESS_REFUSED, `operation not permitted on the default exchange`);
    this.#checkDestination(destination, owner);
    this.exchange(source).bind({ destination, routingKey, arguments: args });
  }

  unbind(destination: BindingDestination, source: string, routingKey: string, args: FieldTable, owner: Owner): void {
    if (source === '') throw refuse(Code.ACCESS_REFUSED, `operation not permitted on the default exchange`);
    this.#checkDestination(destination, owner);
    const x = this.exchange(source);
    if (x.unbind({ destination, routingKey, arguments: args })) this.#autoDelete(x);
  }

  // --- routing -----------------------------------------------------------------------------

  /** Routes a publish: the queues it reaches (each once), following e2e bindings and alternate exchanges. */
  route(exchange: string, routingKeys: readonly string[], headers: FieldTable | undefined): MemoryQueue[] {
    const queues = new Set<MemoryQueue>();
    const visited = new Set<string>();
    const visit = (name: string): void => {
      if (visited.has(name)) return;
      visited.add(name);
      if (name === '') {
        for (const key of routingKeys) {
          const q = this.queues.get(key);
          if (q !== undefined) queues.add(q);
        }
        return;
      }
      const x = this.exchanges.get(name);
      if (x === undefined) return;
      const matched = x.match(routingKeys, headers);
      for (const b of matched) {
        if (b.destination.kind === 'exchange') visit(b.destination.name);
        else {
          const q = this.queues.get(b.destination.name);
          if (q !== undefined) queues.add(q);
        }
      }
      const ae = x.alternate;
      if (matched.length === 0 && ae !== undefined) visit(ae);
    };
    visit(exchange);
    return [...queues];
  }

  /** Stores a published message in every queue it routes to. */
  publish(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): RouteResult {
    const keys = publishedRoutingKeys(routingKey, properties.headers);
    const queues = this.route(exchange, keys, properties.headers);
    let stored = properties;
    if (properties.headers?.['BCC'] !== undefined) {
      const { BCC: _bcc, ...headers } = properties.headers;
      stored = { ...properties, headers };
    }
    const message: BrokerMessage = { seq: this.nextSeq(), exchange, routingKey, properties: stored, body };
    let rejected = false;
    for (const q of queues) if (q.enqueue(message) === 'rejected') rejected = true;
    return { queues, rejected };
  }

  deadLetter(queue: MemoryQueue, entry: QueuedMessage, reason: DeathReason): void {
    const dlx = queue.args.deadLetterExchange;
    const now = this.clock.now();
    const properties = deadLetterProperties(entry.message, queue.name, reason, now);
    const routingKey = queue.args.deadLetterRoutingKey ?? entry.message.routingKey;
    this.journal.recordDeadLetter({
      vhost: this.name,
      queue: queue.name,
      reason,
      deadLetterExchange: dlx,
      routingKey,
      properties,
      body: entry.message.body,
    });
    if (dlx === undefined || !this.exchanges.has(dlx)) return;
    const keys = queue.args.deadLetterRoutingKey === undefined ? publishedRoutingKeys(routingKey, entry.message.properties.headers) : [routingKey];
    const message: BrokerMessage = { seq: this.nextSeq(), exchange: dlx, routingKey, properties, body: entry.message.body };
    for (const target of this.route(dlx, keys, properties.headers)) {
      if (isDeadLetterCycle(entry.message.properties, target.name)) continue;
      target.enqueue(message);
    }
  }

  // --- internals ---------------------------------------------------------------------------

  #checkDestination(destination: BindingDestination, owner: Owner): void {
    if (destination.kind === 'queue') this.checkAccess(this.queue(destination.name), owner);
    else this.exchange(destination.name);
  }

  #removeDestination(destination: BindingDestination): void {
    for (const x of [...this.exchanges.values()]) {
      const before = x.bindings.length;
      x.unbindAll(destination);
      if (x.bindings.length < before) this.#autoDelete(x);
    }
  }

  #autoDelete(x: MemoryExchange): void {
    if (x.autoDelete && x.bindings.length === 0 && this.exchanges.get(x.name) === x) {
      this.exchanges.delete(x.name);
      this.#removeDestination({ kind: 'exchange', name: x.name });
    }
  }

  #noExchange(name: string): Error {
    return refuse(Code.NOT_FOUND, `no exchange '${name}' in vhost '${this.name}'`);
  }

  #locked(name: string): Error {
    return refuse(
      Code.RESOURCE_LOCKED,
      `cannot obtain exclusive access to locked queue '${name}' in vhost '${this.name}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
    );
  }
}
