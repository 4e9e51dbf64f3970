/**
 * Extra RabbitMQ nodes on this machine for the cluster and TLS suites: rabbitmqctl against a node,
 * and starting one detached from its own directory (mnesia, logs, config file, pid file and any
 * other files the suite put there), waiting until its app is up. The server scripts run as the
 * rabbitmq user, so the directory is handed to it first.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** rabbitmqctl against `node` (the main broker when undefined). */
export async function ctl(args: string[], node?: string, timeoutMs = 120_000): Promise<string> {
  const full = node === undefined ? args : ['-n', node, ...args];
  const { stdout } = await run('rabbitmqctl', full, { timeout: timeoutMs });
  return stdout;
}

/** True when a node of that name answers ping. */
export async function answers(name: string): Promise<boolean> {
  return ctl(['ping'], name, 20_000).then(
    () => true,
    () => false,
  );
}

/** Where a node started by {@link startDetachedNode} keeps its files. */
export interface NodeLayout {
  /** e.g. rabbit2@localhost */
  name: string;
  amqpPort: number;
  distPort: number;
  /** Holds `rabbitmq.conf`, `mnesia/`, `log/` and the pid file (created by the caller). */
  dir: string;
  /** Extra environment, e.g. RABBITMQ_ENABLED_PLUGINS_FILE. */
  env?: Record<string, string>;
}

/** The pid file of a node started by {@link startDetachedNode}. */
export function pidFileOf(layout: Pick<NodeLayout, 'name' | 'dir'>): string {
  return join(layout.dir, `${layout.name.split('@')[0]}.pid`);
}

/** Hands `dir` to the rabbitmq user, starts the node detached and waits until its app is up. */
export async function startDetachedNode(layout: NodeLayout): Promise<void> {
  const { name, amqpPort, distPort, dir } = layout;
  await run('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: pidFileOf(layout),
    ...layout.env,
  };
  await run('rabbitmq-server', ['-detached'], { env, timeout: 60_000 });
  await waitUntilUp(name);
}

/** await_startup fails at once while the node is not yet registered with epmd: ping first. */
export async function waitUntilUp(name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(name))) {
    if (Date.now() > deadline) throw new Error(`${name} did not answer ping within ${timeoutMs} ms`);
    await sleep(500);
  }
  await ctl(['await_startup', '--timeout', String(Math.ceil(timeoutMs / 1000))], name, timeoutMs + 30_000);
}
