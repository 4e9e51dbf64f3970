/**
 * The reconnect side of recovery: waits out the backoff (cancellable, so a close does not wait for
 * it) and makes one pass over the host list per attempt, starting after the host that worked last:
 * in a cluster, the node that just went away is tried last.
 */
import { AuthenticationError, ConnectionLostError, InvalidArgumentError, InvalidStateError } from '../errors.js';
import { PlainCredentials } from '../parameters/credentials.js';
import type { ConnectionParameters } from '../parameters/connection-parameters.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import type { EngineConnection } from './engine-port.js';

/** Opens one engine connection; the first argument is the list of hosts to try in order (tests pass a fake). */
export type RecoveryConnector = (hosts: readonly ConnectionParameters[]) => Promise<EngineConnection>;

export class Reconnector {
  private lastHostIndex = 0;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    private hosts: readonly ConnectionParameters[],
    private readonly connector: RecoveryConnector,
    private readonly policy: BackoffPolicy,
    private readonly random: () => number,
  ) {}

  /**
   * After a successful connection.update-secret: later logins (recoveries) use the new secret, not
   * the one the connection was created with. Hosts with other credentials (EXTERNAL) are kept.
   */
  updateSecret(newSecret: string): void {
    this.hosts = this.hosts.map((host) => {
      const credentials = host.credentials;
      if (!(credentials instanceof PlainCredentials)) return host;
      return host.with({
        credentials: new PlainCredentials(credentials.username, newSecret, {
          eraseOnConnect: credentials.eraseOnConnect,
        }),
      });
    });
  }

  /** The first connection: every host in order, each `connectionAttempts` times (the engine's rule). */
  connectFirst(): Promise<EngineConnection> {
    return this.connector(this.hosts);
  }

  /** Resolves after the backoff delay of `attempt`, or at once on {@link wake}. */
  sleepBefore(attempt: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      this.timer = setTimeout(resolve, backoffDelay(this.policy, attempt, this.random));
    });
  }

  /** Ends a sleep early (the connection is closing). */
  wake(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeUp?.();
    this.wakeUp = undefined;
  }

  /**
   * One pass over the hosts, one try each. A refused login is thrown at once (it is final); else the
   * last host's error. `wanted()` false stops the pass (the connection is closing).
   */
  async connectOnce(attempt: number, wanted: () => boolean): Promise<EngineConnection> {
    const count = this.hosts.length;
    let lastError: unknown;
    for (let i = 0; i < count; i += 1) {
      const index = (this.lastHostIndex + attempt + i) % count;
      const host = this.hosts[index];
      if (host === undefined) continue;
      try {
        const engine = await this.connector([host.with({ connectionAttempts: 1 })]);
        this.lastHostIndex = index;
        return engine;
      } catch (error) {
        if (isFinalLoginError(error)) throw error;
        lastError = error;
        if (!wanted()) break;
      }
    }
    throw lastError ?? new ConnectionLostError('no host to connect to');
  }
}

/**
 * Errors no retry can fix: the broker refused the login (403), or our own side cannot log in at all
 * (credentials erased by eraseOnConnect, a SASL mechanism the broker does not offer).
 */
export function isFinalLoginError(error: unknown): boolean {
  return (
    error instanceof AuthenticationError || error instanceof InvalidStateError || error instanceof InvalidArgumentError
  );
}
