/**
 * Failures a test asks for at a chosen point: the next publish (matching an exchange, routing key
 * or predicate) nacked, returned, or answered by closing its channel or connection; the next
 * delivery from a queue answered likewise. Each armed fault fires once (or `times` times).
 */

/** What the broker does instead of the normal path. */
export type FaultAction =
  /** Publish: confirm with basic.nack (the message is not routed). */
  | { kind: 'nack' }
  /** Publish: basic.return 312 NO_ROUTE as if unroutable (the message is not routed). */
  | { kind: 'return' }
  /** Close the channel with a channel error (e.g. 406, 404). */
  | { kind: 'close-channel'; code: number; text?: string }
  /** Close the connection from the broker's side (e.g. 320 CONNECTION_FORCED). */
  | { kind: 'close-connection'; code: number; text?: string }
  /** Lose the connection with no close handshake (as a dead network would). */
  | { kind: 'drop-connection' };

/** Where a fault fires. */
export type FaultPoint = 'publish' | 'deliver';

/** What the fault matches; unset fields match anything. */
export interface FaultMatch {
  vhost?: string;
  exchange?: string;
  routingKey?: string;
  /** For 'deliver': the queue delivering. */
  queue?: string;
  where?: (facts: FaultFacts) => boolean;
}

/** The facts of the publish or delivery a fault is checked against. */
export interface FaultFacts {
  vhost: string;
  exchange: string;
  routingKey: string;
  queue?: string;
  body: Buffer;
}

interface Armed {
  point: FaultPoint;
  match: FaultMatch;
  action: FaultAction;
  left: number;
}

export class FaultPlan {
  #armed: Armed[] = [];

  get pending(): number {
    return this.#armed.length;
  }

  arm(point: FaultPoint, match: FaultMatch, action: FaultAction, times = 1): void {
    this.#armed.push({ point, match, action, left: times });
  }

  /** The action of the first armed fault matching these facts (used up once it fired its times). */
  take(point: FaultPoint, facts: FaultFacts): FaultAction | undefined {
    if (this.#armed.length === 0) return undefined;
    const at = this.#armed.findIndex((a) => a.point === point && matches(a.match, facts));
    if (at < 0) return undefined;
    const armed = this.#armed[at]!;
    if (--armed.left <= 0) this.#armed.splice(at, 1);
    return armed.action;
  }

  clear(): void {
    this.#armed = [];
  }
}

function matches(m: FaultMatch, f: FaultFacts): boolean {
  return (
    (m.vhost === undefined || m.vhost === f.vhost) &&
    (m.exchange === undefined || m.exchange === f.exchange) &&
    (m.routingKey === undefined || m.routingKey === f.routingKey) &&
    (m.queue === undefined || m.queue === f.queue) &&
    (m.where === undefined || m.where(f))
  );
}
