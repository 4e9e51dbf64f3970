/**
 * The private RabbitMQ node `npm run test:faults` runs against, so that stopping its app, raising a
 * memory alarm or adding users never touches the broker a developer (or another app) uses on 5672.
 * A plain standalone node (its own name, ports, data, logs and no plugins) in one directory under the
 * OS temp dir; `stopPrivateNode` stops it and deletes that directory.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, ctl, startDetachedNode } from '../support/rabbit-node.js';

export interface PrivateNode {
  /** e.g. rabbitfaults@localhost */
  name: string;
  port: number;
  distPort: number;
  dir: string;
  /** guest/guest on 127.0.0.1:`port` */
  url: string;
}

/** Name and ports: FAULTS_NODE, FAULTS_PORT, FAULTS_DIST_PORT, else rabbitfaults on 5760/25760. */
export function privateNodeLayout(): PrivateNode {
  const short = process.env['FAULTS_NODE'] ?? 'rabbitfaults';
  const port = Number(process.env['FAULTS_PORT'] ?? 5760);
  const distPort = Number(process.env['FAULTS_DIST_PORT'] ?? 25760);
  return {
    name: `${short}@localhost`,
    port,
    distPort,
    dir: join(tmpdir(), `nestjs-amqp-transport-${short}`),
    url: `amqp://guest:guest@127.0.0.1:${port}`,
  };
}

/** Starts the node (a leftover of a killed run with the same name is stopped first). */
export async function startPrivateNode(node: PrivateNode): Promise<void> {
  if (await answers(node.name)) await stopPrivateNode(node);
  rmSync(node.dir, { recursive: true, force: true });
  mkdirSync(join(node.dir, 'mnesia'), { recursive: true });
  mkdirSync(join(node.dir, 'log'), { recursive: true });
  writeFileSync(join(node.dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${node.port}\n`);
  writeFileSync(join(node.dir, 'enabled_plugins'), '[].\n');
  await startDetachedNode({
    name: node.name,
    amqpPort: node.port,
    distPort: node.distPort,
    dir: node.dir,
    env: { RABBITMQ_ENABLED_PLUGINS_FILE: join(node.dir, 'enabled_plugins') },
  });
}

/** Stops the node and deletes its directory; returns what went wrong, if anything. */
export async function stopPrivateNode(node: PrivateNode): Promise<string[]> {
  const problems: string[] = [];
  if (await answers(node.name))
    await ctl(['stop'], node.name, 60_000).catch((error: Error) =>
      problems.push(`stop ${node.name}: ${error.message.split('\n')[0]}`),
    );
  rmSync(node.dir, { recursive: true, force: true });
  return problems;
}
