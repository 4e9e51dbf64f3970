/** An exchange: its type's matching, its bindings (to queues and to exchanges) and its flags. */
import type { FieldTable } from '../../protocol/index.js';
import { NotModelledError } from '../errors.js';
import { headersMatch, matchMode } from './headers-match.js';
import { topicMatches } from './topic-match.js';

/** The exchange types modelled. */
export type ExchangeType = 'direct' | 'fanout' | 'topic' | 'headers';
const TYPES = new Set<string>(['direct', 'fanout', 'topic', 'headers']);

/** Where a binding leads. */
export interface BindingDestination {
  kind: 'queue' | 'exchange';
  name: string;
}

export interface Binding {
  destination: BindingDestination;
  routingKey: string;
  arguments: FieldTable;
}

/** Checks an exchange type (RabbitMQ's four; a plugin's type is not modelled). */
export function exchangeType(type: string): ExchangeType {
  if (!TYPES.has(type)) throw new NotModelledError(`exchange type ${type}`);
  return type as ExchangeType;
}

export class MemoryExchange {
  readonly bindings: Binding[] = [];

  constructor(
    readonly name: string,
    readonly type: ExchangeType,
    readonly durable: boolean,
    readonly autoDelete: boolean,
    readonly internal: boolean,
    readonly args: FieldTable,
  ) {}

  /** The alternate exchange named in the arguments, if any. */
  get alternate(): string | undefined {
    const ae = this.args['alternate-exchange'];
    if (ae === undefined || ae === null) return undefined;
    return Buffer.isBuffer(ae) ? ae.toString() : String(ae);
  }

  /** Adds a binding (a repeated one is kept once, as RabbitMQ keeps it). */
  bind(binding: Binding): void {
    if (this.type === 'headers') matchMode(binding.arguments);
    if (this.#find(binding) < 0) this.bindings.push(binding);
  }

  /** Removes a binding; false when there was none. */
  unbind(binding: Binding): boolean {
    const at = this.#find(binding);
    if (at < 0) return false;
    this.bindings.splice(at, 1);
    return true;
  }

  /** Drops every binding to a destination (it was deleted). */
  unbindAll(destination: BindingDestination): void {
    for (let i = this.bindings.length - 1; i >= 0; i--) {
      const d = this.bindings[i]!.destination;
      if (d.kind === destination.kind && d.name === destination.name) this.bindings.splice(i, 1);
    }
  }

  /** The bindings a message with these routing keys and headers matches. */
  match(routingKeys: readonly string[], headers: FieldTable | undefined): Binding[] {
    switch (this.type) {
      case 'fanout':
        return this.bindings;
      case 'direct':
        return this.bindings.filter((b) => routingKeys.includes(b.routingKey));
      case 'topic':
        return this.bindings.filter((b) => routingKeys.some((key) => topicMatches(b.routingKey, key)));
      case 'headers':
        return this.bindings.filter((b) => headersMatch(b.arguments, headers));
    }
  }

  #find(binding: Binding): number {
    return this.bindings.findIndex(
      (b) =>
        b.destination.kind === binding.destination.kind &&
        b.destination.name === binding.destination.name &&
        b.routingKey === binding.routingKey &&
        sameArgs(b.arguments, binding.arguments),
    );
  }
}

function sameArgs(a: FieldTable, b: FieldTable): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => String(a[k]) === String(b[k]));
}
