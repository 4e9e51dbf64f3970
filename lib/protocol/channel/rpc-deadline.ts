/**
 * The clock of a channel's one synchronous method in flight (or of its close-ok wait): armed when the
 * method is written, disarmed by the reply. When it runs out the channel is told which method got no
 * reply; while the broker blocks the connection it starts over instead (a blocked broker holds
 * replies up legitimately, and blocked_connection_timeout governs that wait).
 */
import type { CancelTimer } from '../io/clock.js';
import type { ChannelLink } from './channel-link.js';

export class RpcDeadline {
  readonly #link: ChannelLink;
  readonly #expired: (method: string, timeoutMs: number) => void;
  #cancel: CancelTimer | undefined;

  constructor(link: ChannelLink, expired: (method: string, timeoutMs: number) => void) {
    this.#link = link;
    this.#expired = expired;
  }

  /** Starts the clock for `method` (a no-op when the link has no timeout). */
  arm(method: string): void {
    this.disarm();
    const link = this.#link;
    const ms = link.rpcTimeoutMs ?? 0;
    if (ms <= 0 || link.setTimer === undefined) return;
    const fire = (): void => {
      this.#cancel = undefined;
      if (link.blocked === true) this.#cancel = link.setTimer?.(ms, fire);
      else this.#expired(method, ms);
    };
    this.#cancel = link.setTimer(ms, fire);
  }

  disarm(): void {
    const cancel = this.#cancel;
    if (cancel === undefined) return;
    this.#cancel = undefined;
    cancel();
  }
}
