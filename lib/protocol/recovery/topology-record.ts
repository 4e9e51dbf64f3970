/**
 * What the application declared, kept so it can be declared again on a new connection (the Java
 * client's model). Entries are recorded only after the broker confirmed them and forgotten on
 * delete, unbind and cancel; an auto-delete queue is forgotten when its last consumer goes, and an
 * auto-delete exchange when its last binding as a source goes, because the broker deletes them then.
 *
 * Server-named queues get a new name on every connection: {@link TopologyRecord.renameQueue} moves the
 * queue, its bindings and its consumers to the new name and remembers the old one as an alias, so
 * later calls made with the old name still reach the queue.
 *
 * Pure data: no IO, no engine types beyond the option shapes.
 */
import { stableKey } from './stable-key.js';

/** Arguments of an exchange.declare as recorded (never passive). */
export interface RecordedExchange<Args> {
  readonly exchange: string;
  readonly exchangeType?: string;
  readonly durable?: boolean;
  readonly autoDelete?: boolean;
  readonly internal?: boolean;
  readonly arguments?: Args;
}

/** A queue as recorded: `name` is the current name; `serverNamed` queues are declared with '' again. */
export interface RecordedQueue<Args> {
  readonly name: string;
  readonly serverNamed: boolean;
  readonly durable?: boolean;
  readonly exclusive?: boolean;
  readonly autoDelete?: boolean;
  readonly arguments?: Args;
}

/** A queue binding (destination is a queue) or an exchange-to-exchange binding. */
export interface RecordedBinding<Args> {
  readonly kind: 'queue' | 'exchange';
  readonly source: string;
  readonly destination: string;
  readonly routingKey: string;
  readonly arguments?: Args;
}

/** A consumer: the same tag and callback are used again on the owner's new channel. */
export interface RecordedConsumer<Owner, Callback, Args> {
  readonly owner: Owner;
  readonly consumerTag: string;
  readonly queue: string;
  readonly onMessage: Callback;
  readonly autoAck?: boolean;
  readonly exclusive?: boolean;
  readonly arguments?: Args;
  /** basicConsume's `oversize`: an oversize delivery rejected, or handed to the consumer. */
  readonly oversize?: 'reject' | 'deliver' | undefined;
}

export class TopologyRecord<Owner, Callback, Args = unknown> {
  private readonly exchangeMap = new Map<string, RecordedExchange<Args>>();
  private readonly queueMap = new Map<string, RecordedQueue<Args>>();
  private readonly bindingMap = new Map<string, RecordedBinding<Args>>();
  private readonly consumerList: RecordedConsumer<Owner, Callback, Args>[] = [];
  private readonly aliases = new Map<string, string>();

  // ---- exchanges ----

  recordExchange(exchange: RecordedExchange<Args>): void {
    this.exchangeMap.set(exchange.exchange, { ...exchange });
  }

  /** Forgets the exchange and every binding it is the source or (exchange) destination of. */
  deleteExchange(name: string): void {
    this.exchangeMap.delete(name);
    for (const [key, binding] of this.bindingMap) {
      if (binding.source === name || (binding.kind === 'exchange' && binding.destination === name)) {
        this.bindingMap.delete(key);
      }
    }
  }

  // ---- queues ----

  /** Records a declared queue under the name the broker gave (`requested` '' = server-named). */
  recordQueue(
    requested: string,
    actualName: string,
    options: Omit<RecordedQueue<Args>, 'name' | 'serverNamed'>,
  ): void {
    const serverNamed = requested === '' || this.queueMap.get(actualName)?.serverNamed === true;
    this.queueMap.set(actualName, { ...options, name: actualName, serverNamed });
  }

  /** Forgets the queue, its bindings and its consumers (the broker cancels them). */
  deleteQueue(name: string): void {
    const resolved = this.resolveQueue(name);
    this.queueMap.delete(resolved);
    for (const [key, binding] of this.bindingMap) {
      if (binding.kind === 'queue' && binding.destination === resolved) this.bindingMap.delete(key);
    }
    for (let i = this.consumerList.length - 1; i >= 0; i -= 1) {
      if (this.consumerList[i]?.queue === resolved) this.consumerList.splice(i, 1);
    }
  }

  /** The current name of a queue: a server-named queue's older names lead to its latest one. */
  resolveQueue(name: string): string {
    // Called per publish: with no server-named queue renamed yet, skip hashing the name.
    if (this.aliases.size === 0) return name;
    return this.aliases.get(name) ?? name;
  }

  /** A server-named queue was declared again and got `newName`: move everything that names it. */
  renameQueue(oldName: string, newName: string): void {
    if (oldName === newName) return;
    const queue = this.queueMap.get(oldName);
    if (queue !== undefined) {
      this.queueMap.delete(oldName);
      this.queueMap.set(newName, { ...queue, name: newName });
    }
    for (const [key, binding] of [...this.bindingMap]) {
      if (binding.kind === 'queue' && binding.destination === oldName) {
        this.bindingMap.delete(key);
        const moved = { ...binding, destination: newName };
        this.bindingMap.set(bindingKey(moved), moved);
      }
    }
    for (let i = 0; i < this.consumerList.length; i += 1) {
      const consumer = this.consumerList[i];
      if (consumer !== undefined && consumer.queue === oldName)
        this.consumerList[i] = { ...consumer, queue: newName };
    }
    for (const [alias, target] of this.aliases) if (target === oldName) this.aliases.set(alias, newName);
    this.aliases.set(oldName, newName);
  }

  // ---- bindings ----

  recordBinding(binding: RecordedBinding<Args>): void {
    const resolved = this.resolveBinding(binding);
    this.bindingMap.set(bindingKey(resolved), resolved);
  }

  /** Forgets a binding; an auto-delete source exchange with no binding left goes too. */
  removeBinding(binding: RecordedBinding<Args>): void {
    const resolved = this.resolveBinding(binding);
    this.bindingMap.delete(bindingKey(resolved));
    const source = this.exchangeMap.get(resolved.source);
    if (
      source?.autoDelete === true &&
      ![...this.bindingMap.values()].some((b) => b.source === resolved.source)
    ) {
      this.exchangeMap.delete(resolved.source);
    }
  }

  // ---- consumers ----

  recordConsumer(consumer: RecordedConsumer<Owner, Callback, Args>): void {
    this.removeConsumerEntry(consumer.owner, consumer.consumerTag);
    this.consumerList.push({ ...consumer, queue: this.resolveQueue(consumer.queue) });
  }

  /** Forgets a consumer; an auto-delete queue whose last consumer this was is forgotten too. */
  removeConsumer(owner: Owner, consumerTag: string): void {
    const removed = this.removeConsumerEntry(owner, consumerTag);
    if (removed !== undefined) this.forgetIfAutoDeleted(removed.queue);
  }

  /** Forgets every consumer of a channel that closed for good. */
  removeConsumersOf(owner: Owner): void {
    const queues = new Set<string>();
    for (let i = this.consumerList.length - 1; i >= 0; i -= 1) {
      const consumer = this.consumerList[i];
      if (consumer?.owner === owner) {
        this.consumerList.splice(i, 1);
        queues.add(consumer.queue);
      }
    }
    for (const queue of queues) this.forgetIfAutoDeleted(queue);
  }

  // ---- snapshots, in the order they were recorded ----

  exchanges(): RecordedExchange<Args>[] {
    return [...this.exchangeMap.values()];
  }

  queues(): RecordedQueue<Args>[] {
    return [...this.queueMap.values()];
  }

  bindings(): RecordedBinding<Args>[] {
    return [...this.bindingMap.values()];
  }

  consumers(): RecordedConsumer<Owner, Callback, Args>[] {
    return [...this.consumerList];
  }

  private resolveBinding(binding: RecordedBinding<Args>): RecordedBinding<Args> {
    if (binding.kind !== 'queue') return { ...binding };
    return { ...binding, destination: this.resolveQueue(binding.destination) };
  }

  private removeConsumerEntry(
    owner: Owner,
    consumerTag: string,
  ): RecordedConsumer<Owner, Callback, Args> | undefined {
    const index = this.consumerList.findIndex((c) => c.owner === owner && c.consumerTag === consumerTag);
    if (index < 0) return undefined;
    return this.consumerList.splice(index, 1)[0];
  }

  private forgetIfAutoDeleted(queue: string): void {
    if (this.queueMap.get(queue)?.autoDelete !== true) return;
    if (this.consumerList.some((c) => c.queue === queue)) return;
    this.deleteQueue(queue);
  }
}

function bindingKey(binding: RecordedBinding<unknown>): string {
  return stableKey([
    binding.kind,
    binding.source,
    binding.destination,
    binding.routingKey,
    binding.arguments ?? {},
  ]);
}
