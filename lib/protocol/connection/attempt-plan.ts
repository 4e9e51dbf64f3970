/**
 * Which host to try next and after what pause. The hosts are tried in order, the whole list
 * `connectionAttempts` times (the first parameters' value), pausing `retryDelay` seconds (the first
 * parameters' value) before each new round. Only failures that another try could cure are retried:
 * a lost or refused socket and a timeout. A broker that answered (refused login, missing virtual
 * host, protocol error) is not asked again.
 */
import { type AMQPError, ConnectionLostError, TimeoutError } from '../errors.js';
import type { ConnectionParameters } from '../parameters/index.js';

export interface Attempt {
  parameters: ConnectionParameters;
  /** Milliseconds to wait before this attempt. */
  delayMs: number;
  /** 1-based attempt number over all hosts and rounds. */
  number: number;
}

export class AttemptPlan {
  readonly #list: readonly ConnectionParameters[];
  readonly #rounds: number;
  readonly #retryDelayMs: number;
  #next = 0;

  constructor(list: readonly ConnectionParameters[]) {
    const first = list[0];
    if (first === undefined) throw new RangeError('an attempt plan needs at least one host');
    this.#list = list;
    this.#rounds = first.connectionAttempts;
    this.#retryDelayMs = first.retryDelay * 1000;
  }

  /** The total number of attempts the plan allows. */
  get total(): number {
    return this.#rounds * this.#list.length;
  }

  /** The next attempt, or undefined when every round is used up. */
  next(): Attempt | undefined {
    if (this.#next >= this.total) return undefined;
    const index = this.#next % this.#list.length;
    const parameters = this.#list[index] as ConnectionParameters;
    const delayMs = this.#next > 0 && index === 0 ? this.#retryDelayMs : 0;
    this.#next += 1;
    return { parameters, delayMs, number: this.#next };
  }
}

/** Whether another attempt could cure `error` (socket trouble or a timeout, not a broker's refusal). */
export function isRetryable(error: AMQPError): boolean {
  return error instanceof ConnectionLostError || error instanceof TimeoutError;
}
