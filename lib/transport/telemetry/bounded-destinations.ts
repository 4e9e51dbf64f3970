/**
 * Metric attributes a producer can choose stay a bounded set. A server's replies go to whatever
 * `reply_to` a request named, so 2,500 requests with distinct reply_to values would make 2,500 metric
 * series (past the SDK's cap, real destinations fall into its overflow series). As OpenTelemetry's
 * messaging conventions ask for temporary and anonymous destinations, such names are collapsed:
 * replies (default exchange, a correlation id, no reply_to of their own) and server-named queues
 * (`amq.gen-...`) each read as one name, and past {@link MAX_DESTINATIONS} distinct names any new one
 * reads `_OTHER` (the conventions' word for a value outside a bounded set).
 */
import type { BasicProperties } from '../../protocol/index.js';
import { publishDestination } from './semantic-names.js';

/** Distinct destination names kept as they are, per process. */
export const MAX_DESTINATIONS = 200;
/** The destination name of every reply (replies go to temporary, per-client queues). */
export const REPLY_DESTINATION = '(reply)';
/** Server-named (anonymous) queues. */
export const ANONYMOUS_DESTINATION = '(anonymous)';
/** Any name past the bound. */
export const OTHER_DESTINATION = '_OTHER';

/** @internal */
export class BoundedDestinations {
  private readonly known = new Set<string>();

  constructor(private readonly max: number = MAX_DESTINATIONS) {}

  /** The destination attribute of a publish, from a bounded set of values. */
  ofPublish(exchange: string, routingKey: string, properties: BasicProperties | undefined): string {
    if (exchange === '' && isReply(properties)) return REPLY_DESTINATION;
    if (exchange === '' && routingKey.startsWith('amq.gen-')) return ANONYMOUS_DESTINATION;
    return this.bounded(publishDestination(exchange, routingKey));
  }

  /** `name` while fewer than `max` names were seen (or it is one of them), else `_OTHER`. */
  bounded(name: string): string {
    if (this.known.has(name)) return name;
    if (this.known.size >= this.max) return OTHER_DESTINATION;
    this.known.add(name);
    return name;
  }
}

function isReply(properties: BasicProperties | undefined): boolean {
  return properties?.correlationId !== undefined && (properties.replyTo === undefined || properties.replyTo === '');
}
