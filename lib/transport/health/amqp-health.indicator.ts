import { Inject, Injectable, Optional } from '@nestjs/common';
import { AmqpConnectionHost } from '../connection/connection-host.js';
import {
  AMQP_MODULE_CONNECTIONS,
  listeningServers,
  type ListeningServer,
  type ModuleConnectionDirectory,
  type ServerAMQPHealth,
} from '../consume/consumer-directory.js';
import type { AmqpConnection, AmqpStatus } from '../core/connection-types.js';

/**
 * The result shape @nestjs/terminus expects from an indicator (`HealthIndicatorResult`), written
 * out here so that terminus stays an optional peer: nothing of it is imported at runtime.
 */
export type AmqpHealthResult<Key extends string = string> = Record<Key, AmqpHealthDetails>;

/** One connection of the app as the indicator reports it. */
export interface AmqpConnectionHealth {
  /** The AmqpModule's name ('default' for the unnamed one), or the `connectionKey` of another holder's connection. */
  name: string;
  /** Who holds it: an AmqpModule publisher (and its consumers), or another holder (a ClientAMQP ...). */
  kind: 'module' | 'other';
  connection: AmqpStatus | 'idle';
  connected: boolean;
}

/** What the indicator reports under its key: terminus's `status`, then the state of the app's connections. */
export interface AmqpHealthDetails extends Partial<ServerAMQPHealth> {
  /** Terminus knows only up and down: a consumer healing reads `up` with `degraded: true` (unless `healing: 'down'`). */
  status: 'up' | 'down';
  /** True while consumers heal (restart after the broker ended them) and nothing else is wrong; listed in `healing`. */
  degraded?: boolean;
  /** One entry per server when several are listening, or beside AmqpModule connections. */
  servers?: ServerAMQPHealth[];
  /** The AmqpModule connections and any other connection of the process (ClientAMQP ...), servers' aside. */
  connections?: AmqpConnectionHealth[];
  /** Why it is down, or degraded. */
  message?: string;
}

/** Checks one server, or every connection of the app. */
export interface AmqpHealthCheckOptions {
  /** A ServerAMQP (or any listening server) to check alone. */
  server?: ListeningServer;
  /**
   * What a consumer that heals makes of the result: 'degraded' reports `up` with `degraded: true` and
   * the consumer named (a restart under way is not a reason to restart the app: a liveness probe);
   * 'down' reports down (a readiness probe that should take the instance out while it does not consume).
   * A consumer down for good (its restarts failed, or healing off) is down either way.
   * @default 'degraded'
   */
  healing?: 'degraded' | 'down';
}

/**
 * A health indicator for @nestjs/terminus: up when every connection of the app is open (servers,
 * AmqpModule publishers, clients) and every consumer that should consume does (a consumer paused or
 * cancelled through AmqpConsumerRegistry is not a fault). While consumers heal (restarting after the
 * broker ended them) and nothing else is wrong it is degraded: `up` with `degraded: true`, the
 * consumers in `healing` and `message` (or `down` with `healing: 'down'`). It reads state the connections already
 * hold and never opens one of its own, so a health probe cannot add load to a struggling broker.
 * Provided by AmqpModule (global); an app with only a ServerAMQP lists it in its providers.
 *
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.amqp.isHealthy('amqp')]); }
 * ```
 */
@Injectable()
export class AmqpHealthIndicator {
  constructor(@Optional() @Inject(AMQP_MODULE_CONNECTIONS) private readonly connections?: ModuleConnectionDirectory) {}

  /** Resolves to the terminus result; `down` when nothing is connected, a connection is not open, or consumers are missing. */
  isHealthy<Key extends string = 'amqp'>(key: Key = 'amqp' as Key, options: AmqpHealthCheckOptions = {}): Promise<AmqpHealthResult<Key>> {
    const strict = options.healing === 'down';
    if (options.server !== undefined) return Promise.resolve(result(key, serversOnly([options.server.getHealth()], strict)));
    const servers = [...listeningServers];
    const reports = servers.map((server) => server.getHealth());
    const claimed = new Set<AmqpConnection>(servers.map((server) => server.unwrap()));
    const connections: AmqpConnectionHealth[] = [];
    const problems: string[] = [];
    const healing: string[] = [];
    const healingWhy: string[] = [];
    let consumers = 0;
    let expectedConsumers = 0;
    for (const module of this.connections?.list() ?? []) {
      const name = module.name ?? 'default';
      const health = module.publisher.getHealth();
      // Claimed whether or not it is open: during an outage it is the same connection, listed once.
      const connection = connectionOf(module.publisher);
      if (connection !== undefined) claimed.add(connection);
      connections.push({ name, kind: 'module', ...health });
      if (!health.connected) problems.push(`AmqpModule connection "${name}" is ${health.connection}`);
    }
    for (const consumer of this.connections?.consumers ?? []) {
      if (!consumer.runner.isExpected) continue;
      expectedConsumers += 1;
      if (consumer.runner.isConsuming) consumers += 1;
      else if (consumer.runner.healing === undefined) problems.push(consumerProblem(consumer.name, consumer.runner));
      else {
        healing.push(consumer.name);
        healingWhy.push(consumerProblem(consumer.name, consumer.runner));
      }
    }
    for (const host of AmqpConnectionHost.liveHosts()) {
      if (claimed.has(host.connection)) continue;
      const connected = host.connection.isOpen;
      connections.push({ name: host.key, kind: 'other', connection: host.status, connected });
      if (!connected) problems.push(`connection "${host.key}" is ${host.status}`);
    }
    if (connections.length === 0) {
      if (reports.length > 0) return Promise.resolve(result(key, serversOnly(reports, strict)));
      return Promise.resolve(result(key, { status: 'down', message: 'no ServerAMQP is listening and no AmqpModule or client connection is open' }));
    }
    for (const report of reports) {
      consumers += report.consumers;
      expectedConsumers += report.expectedConsumers;
      if (!healthyServer(report)) problems.push(reason(report));
      else if (report.healing !== undefined) {
        healing.push(...report.healing);
        healingWhy.push(reason(report));
      }
    }
    return Promise.resolve(
      result(key, {
        ...verdict(problems, healing, healingWhy, strict),
        consumers,
        expectedConsumers,
        connections,
        ...(reports.length === 0 ? {} : { servers: reports }),
      }),
    );
  }
}

/** Down with every problem; else degraded (up, or down when strict) while consumers heal; else up. */
function verdict(problems: string[], healing: string[], why: string[], strict: boolean): Pick<AmqpHealthDetails, 'status' | 'degraded' | 'healing' | 'message'> {
  if (problems.length > 0) return { status: 'down', message: [...problems, ...why].join('; ') };
  if (healing.length === 0) return { status: 'up' };
  return { status: strict ? 'down' : 'up', degraded: true, healing, message: `degraded: ${why.join('; ')}` };
}

/** Connected, and every consumer it expects consuming or healing. */
function healthyServer(report: ServerAMQPHealth): boolean {
  return report.connected && report.consumers + (report.healing?.length ?? 0) === report.expectedConsumers;
}

/** The shape of a server-only app: one server's fields at the top, or the list for several. */
function serversOnly(reports: ServerAMQPHealth[], strict: boolean): AmqpHealthDetails {
  const problems = reports.filter((report) => !healthyServer(report)).map(reason);
  const healing = reports.filter(healthyServer).flatMap((report) => report.healing ?? []);
  const why = reports.filter((report) => healthyServer(report) && report.healing !== undefined).map(reason);
  const state = verdict(problems, healing, why, strict);
  if (reports.length === 1) {
    const [report] = reports as [ServerAMQPHealth];
    return { ...report, ...state };
  }
  return {
    ...state,
    consumers: reports.reduce((sum, report) => sum + report.consumers, 0),
    expectedConsumers: reports.reduce((sum, report) => sum + report.expectedConsumers, 0),
    servers: reports,
  };
}

function result<Key extends string>(key: Key, value: AmqpHealthDetails): AmqpHealthResult<Key> {
  return { [key]: value } as AmqpHealthResult<Key>;
}

function reason(report: ServerAMQPHealth): string {
  if (!report.connected) return `connection is ${report.connection}`;
  const healing = report.healing ?? [];
  const stopped = report.expectedConsumers - report.consumers - healing.length;
  const parts = [
    ...(stopped > 0 ? [`${stopped} of ${report.expectedConsumers} consumers stopped`] : []),
    ...(healing.length > 0 ? [`${healing.length} of ${report.expectedConsumers} consumers healing (${healing.join(', ')})`] : []),
  ];
  return parts.join('; ');
}

/** The publisher's connection, open or recovering; undefined before it started or once it ended. */
function connectionOf(publisher: { readonly connection: AmqpConnection }): AmqpConnection | undefined {
  try {
    return publisher.connection;
  } catch {
    return undefined;
  }
}

/** Why a consumer that should consume does not: healing (with its attempt and cause), or stopped. */
function consumerProblem(name: string, runner: { readonly healing?: { attempt: number; cause: Error } | undefined; readonly downReason?: Error | undefined }): string {
  const healing = runner.healing;
  if (healing !== undefined) return `consumer ${name} healing (restart attempt ${healing.attempt}): ${healing.cause.message}`;
  return runner.downReason === undefined ? `consumer ${name} stopped` : `consumer ${name} down: ${runner.downReason.message}`;
}
