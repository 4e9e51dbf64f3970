/**
 * The scripted broker behind the fake engine (fake-connection.ts, fake-channel.ts): the connector the
 * recovery wrappers dial, the scripted outcomes of each connect, the queues it knows and the hooks
 * and failures a test sets. Every call is logged as "c<connection>.ch<channel> method arg" for order
 * assertions.
 */
import type { AMQPError, ConnectionParameters } from '../../../lib/protocol/index.js';
import type { EngineConnection } from '../../../lib/protocol/recovery/index.js';
import { FakeConnection } from './fake-connection.js';

export class FakeBroker {
  readonly log: string[] = [];
  readonly connections: FakeConnection[] = [];
  /** Hosts (host:port) connect was called with, in order. */
  readonly dialed: string[] = [];
  /** Outcomes for the next connects: an error to throw, or 'ok'. Empty = 'ok'. */
  readonly script: Array<AMQPError | 'ok'> = [];
  private serverNames = 0;
  /** Queue names that exist, with their message count (for passive declares). */
  readonly queues = new Set<string>();
  /** Run once right after the call logged as this line (e.g. kill a connection mid-restore). */
  readonly after = new Map<string, () => void>();
  /** Declares that fail: name -> error factory (undefined = this one succeeds). */
  readonly failDeclare = new Map<string, () => AMQPError | undefined>();
  /** Queues a passive declare does not find (404). */
  readonly missing = new Set<string>();

  readonly connector = async (hosts: readonly ConnectionParameters[]): Promise<EngineConnection> => {
    const host = hosts[0];
    this.dialed.push(`${host?.host}:${host?.port}`);
    const outcome = this.script.shift() ?? 'ok';
    if (outcome !== 'ok') throw outcome;
    const connection = new FakeConnection(this, this.connections.length + 1);
    this.connections.push(connection);
    return connection;
  };

  get current(): FakeConnection {
    const last = this.connections[this.connections.length - 1];
    if (last === undefined) throw new Error('no connection yet');
    return last;
  }

  serverName(): string {
    this.serverNames += 1;
    return `amq.gen-${this.serverNames}`;
  }
}
