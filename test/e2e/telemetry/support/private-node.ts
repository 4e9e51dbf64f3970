/**
 * A private RabbitMQ node for the telemetry suite (rabbitotel@localhost, AMQP on 5740, distribution
 * on 25740), so a test can stop and start its app without touching the shared broker. Its files live
 * in one directory under the OS temp dir, deleted by {@link stopPrivateNode}.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, ctl, startDetachedNode } from '../../../support/rabbit-node.js';

export interface PrivateNode {
  name: string;
  url: string;
  dir: string;
}

export const PRIVATE_NODE_PORT = 5740;
const DIST_PORT = 25740;

export async function startPrivateNode(): Promise<PrivateNode> {
  const name = 'rabbitotel@localhost';
  if (await answers(name)) await ctl(['stop'], name).catch(() => undefined);
  const dir = join(tmpdir(), `nestjs-amqp-transport-otel-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'mnesia'), { recursive: true });
  mkdirSync(join(dir, 'log'), { recursive: true });
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${PRIVATE_NODE_PORT}\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const node = { name, url: `amqp://guest:guest@127.0.0.1:${PRIVATE_NODE_PORT}`, dir };
  try {
    await startDetachedNode({
      name,
      amqpPort: PRIVATE_NODE_PORT,
      distPort: DIST_PORT,
      dir,
      env: { RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins') },
    });
  } catch (error) {
    await stopPrivateNode(node);
    throw error;
  }
  return node;
}

export async function stopPrivateNode(node: PrivateNode): Promise<void> {
  if (await answers(node.name)) await ctl(['stop'], node.name).catch(() => undefined);
  rmSync(node.dir, { recursive: true, force: true });
}
