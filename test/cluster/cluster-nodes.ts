/**
 * Extra RabbitMQ nodes on this machine, clustered with the main broker (rabbit@localhost) for the
 * failover test: each gets its own ports (AMQP and distribution), data and log directories under the
 * OS temp dir, and the same Erlang cookie (the server scripts run as the rabbitmq user, whose home
 * holds it). `removeNode` stops the node's app, makes the main node forget it, stops the node and
 * deletes its directories, leaving the main broker as it was.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterNode {
  /** e.g. rabbit2@localhost */
  name: string;
  amqpPort: number;
  distPort: number;
  dir: string;
  url: string;
}

async function ctl(args: string[], node?: string, timeoutMs = 120_000): Promise<string> {
  const full = node === undefined ? args : ['-n', node, ...args];
  const { stdout } = await run('rabbitmqctl', full, { timeout: timeoutMs });
  return stdout;
}

/** Starts a node (detached) and waits until its app is up. */
export async function startNode(short: string, amqpPort: number, distPort: number): Promise<ClusterNode> {
  const name = `${short}@localhost`;
  const dir = join(tmpdir(), `nestjs-amqp-transport-${short}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'mnesia'), { recursive: true });
  mkdirSync(join(dir, 'log'), { recursive: true });
  // The main broker's config file pins its listener to 5672: this node gets a file of its own.
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${amqpPort}\n`);
  await run('chown', ['-R', 'rabbitmq:rabbitmq', dir]);
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: name,
    RABBITMQ_NODE_PORT: String(amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_PID_FILE: join(dir, `${short}.pid`),
  };
  const node = { name, amqpPort, distPort, dir, url: `amqp://guest:guest@127.0.0.1:${amqpPort}` };
  try {
    await run('rabbitmq-server', ['-detached'], { env, timeout: 60_000 });
    await waitUntilUp(name);
  } catch (error) {
    // Never leave a half-started node or its files behind.
    await ctl(['stop'], name, 60_000).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `could not start ${name} on port ${amqpPort}: ${(error as Error).message.split('\n')[0]}`,
      { cause: error },
    );
  }
  return node;
}

/** Joins a running node to rabbit@localhost's cluster. */
export async function joinCluster(node: ClusterNode): Promise<void> {
  await ctl(['stop_app'], node.name);
  await ctl(['join_cluster', 'rabbit@localhost'], node.name);
  await ctl(['start_app'], node.name);
  await waitUntilUp(node.name);
}

/** await_startup fails at once while the node is not yet registered with epmd: ping first. */
async function waitUntilUp(name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ctl(['ping'], name, 20_000);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
  await ctl(['await_startup', '--timeout', String(Math.ceil(timeoutMs / 1000))], name, timeoutMs + 30_000);
}

export async function stopApp(node: ClusterNode): Promise<void> {
  await ctl(['stop_app'], node.name);
}

/** The names of the running nodes of the main broker's cluster. */
export async function runningNodes(): Promise<string[]> {
  const out = await ctl(['eval', 'rabbit_nodes:all_running().']);
  return [...out.matchAll(/'?([\w-]+@[\w.-]+)'?/g)].map((m) => m[1] ?? '');
}

/** The names of every node the main broker's cluster knows (running or not). */
export async function clusterNodes(): Promise<string[]> {
  const out = await ctl(['eval', 'rabbit_nodes:all().']);
  return [...out.matchAll(/'?([\w-]+@[\w.-]+)'?/g)].map((m) => m[1] ?? '');
}

/** Takes a node out of the cluster and off the machine; every step is tried even if one fails. */
export async function removeNode(node: ClusterNode): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  await attempt(`stop_app ${node.name}`, () => ctl(['stop_app'], node.name, 60_000));
  if ((await clusterNodes().catch(() => [node.name])).includes(node.name)) {
    await attempt(`forget_cluster_node ${node.name}`, () => ctl(['forget_cluster_node', node.name]));
  }
  await attempt(`stop ${node.name}`, () => ctl(['stop'], node.name, 60_000));
  rmSync(node.dir, { recursive: true, force: true });
  return problems;
}
