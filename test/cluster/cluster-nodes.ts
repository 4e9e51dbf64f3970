/**
 * Extra RabbitMQ nodes on this machine, clustered with the main broker (rabbit@localhost) for the
 * failover test: each gets its own ports (AMQP and distribution), data and log directories under the
 * OS temp dir, and the same Erlang cookie (the server scripts run as the rabbitmq user, whose home
 * holds it). `removeNode` stops the node's app, makes the main node forget it, stops the node and
 * deletes its directories, leaving the main broker as it was.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctl, startDetachedNode, waitUntilUp } from '../support/rabbit-node.js';

export interface ClusterNode {
  /** e.g. rabbit2@localhost */
  name: string;
  amqpPort: number;
  distPort: number;
  dir: string;
  url: string;
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
  const node = { name, amqpPort, distPort, dir, url: `amqp://guest:guest@127.0.0.1:${amqpPort}` };
  try {
    await startDetachedNode({ name, amqpPort, distPort, dir });
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
