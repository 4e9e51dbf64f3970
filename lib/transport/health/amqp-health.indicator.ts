import { Injectable } from '@nestjs/common';
import { ServerAMQP, type ServerAMQPHealth } from '../server/server-amqp.js';

/**
 * The result shape @nestjs/terminus expects from an indicator (`HealthIndicatorResult`), written
 * out here so that terminus stays an optional peer: nothing of it is imported at runtime.
 */
export type AmqpHealthResult<Key extends string = string> = Record<Key, AmqpHealthDetails>;

/** What the indicator reports under its key: terminus's `status`, then the server's state. */
export interface AmqpHealthDetails extends Partial<ServerAMQPHealth> {
  status: 'up' | 'down';
  /** One entry per server when several are listening. */
  servers?: ServerAMQPHealth[];
  /** Why it is down. */
  message?: string;
}

/** Checks one server, or every ServerAMQP listening in the process. */
export interface AmqpHealthCheckOptions {
  server?: ServerAMQP;
}

/**
 * A health indicator for @nestjs/terminus: up when the server's connection is open and every
 * consumer it started is consuming. It reads state the servers already hold and never opens a
 * connection of its own, so a health probe cannot add load to a struggling broker.
 *
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.amqp.isHealthy('amqp')]); }
 * ```
 */
@Injectable()
export class AmqpHealthIndicator {
  /** Resolves to the terminus result; `down` when no server is listening, disconnected, or missing consumers. */
  isHealthy<Key extends string = 'amqp'>(key: Key = 'amqp' as Key, options: AmqpHealthCheckOptions = {}): Promise<AmqpHealthResult<Key>> {
    const servers = options.server !== undefined ? [options.server] : [...ServerAMQP.listening];
    const reports = servers.map((server) => server.getHealth());
    if (reports.length === 0) {
      return Promise.resolve(result(key, { status: 'down', message: 'no ServerAMQP is listening' }));
    }
    const healthy = reports.every((report) => report.connected && report.consumers === report.expectedConsumers);
    const status = healthy ? 'up' : 'down';
    if (reports.length === 1) {
      const [report] = reports as [ServerAMQPHealth];
      return Promise.resolve(result(key, { ...report, status, ...(healthy ? {} : { message: reason(report) }) }));
    }
    return Promise.resolve(
      result(key, {
        status,
        consumers: reports.reduce((sum, report) => sum + report.consumers, 0),
        expectedConsumers: reports.reduce((sum, report) => sum + report.expectedConsumers, 0),
        servers: reports,
        ...(healthy ? {} : { message: reports.filter((r) => !r.connected || r.consumers !== r.expectedConsumers).map(reason).join('; ') }),
      }),
    );
  }
}

function result<Key extends string>(key: Key, value: AmqpHealthDetails): AmqpHealthResult<Key> {
  return { [key]: value } as AmqpHealthResult<Key>;
}

function reason(report: ServerAMQPHealth): string {
  if (!report.connected) return `connection is ${report.connection}`;
  return `${report.expectedConsumers - report.consumers} of ${report.expectedConsumers} consumers stopped`;
}
