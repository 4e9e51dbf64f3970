/**
 * One standalone RabbitMQ node on this machine that speaks AMQP over TLS only and logs clients in
 * with SASL EXTERNAL from their certificate's common name. Not clustered with the main broker
 * (rabbit@localhost on 5672): it has its own name, ports, data and log directories, config file and
 * enabled-plugins file (rabbitmq_auth_mechanism_ssl for this node only), all in one directory under
 * the OS temp dir, with the certificates generated there at start. `stopTlsNode` stops it and
 * deletes that directory. The server scripts run as the rabbitmq user, so the directory is theirs.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answers, ctl, pidFileOf, startDetachedNode } from '../support/rabbit-node.js';
import { makeCertificates, type CertificateFiles } from './certificates.js';


export interface TlsNode {
  /** e.g. rabbittls@localhost */
  name: string;
  /** The AMQP-over-TLS port (the node has no plain AMQP listener). */
  port: number;
  distPort: number;
  dir: string;
  certificates: CertificateFiles;
}

/** Resolves when nothing listens on 127.0.0.1:`port`; rejects naming the port otherwise. */
async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`port ${port} is not free (${error.code ?? error.message}): pick another`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

function configFile(port: number, certificates: CertificateFiles): string {
  return [
    'listeners.tcp = none',
    `listeners.ssl.default = 127.0.0.1:${port}`,
    `ssl_options.cacertfile = ${certificates.ca}`,
    `ssl_options.certfile = ${certificates.server.cert}`,
    `ssl_options.keyfile = ${certificates.server.key}`,
    'ssl_options.verify = verify_peer',
    'ssl_options.fail_if_no_peer_cert = true',
    'auth_mechanisms.1 = EXTERNAL',
    'auth_mechanisms.2 = PLAIN',
    'ssl_cert_login_from = common_name',
    '',
  ].join('\n');
}

/**
 * Starts the node (detached) and waits until its app is up; on any failure it is stopped and its
 * directory deleted before the error is thrown.
 * @param clientNames common names of the client certificates to generate
 */
export async function startTlsNode(
  short: string,
  port: number,
  distPort: number,
  clientNames: readonly string[],
): Promise<TlsNode> {
  const name = `${short}@localhost`;
  await assertPortFree(port);
  await assertPortFree(distPort);
  if (await answers(name))
    throw new Error(`${name} is already running: stop it with rabbitmqctl -n ${name} stop`);
  const dir = join(tmpdir(), `nestjs-amqp-transport-${short}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const node: TlsNode = {
    name,
    port,
    distPort,
    dir,
    certificates: { ca: '', server: { cert: '', key: '' }, clients: {} },
  };
  try {
    mkdirSync(join(dir, 'mnesia'), { recursive: true });
    mkdirSync(join(dir, 'log'), { recursive: true });
    node.certificates = await makeCertificates(join(dir, 'certs'), clientNames);
    writeFileSync(join(dir, 'rabbitmq.conf'), configFile(port, node.certificates));
    writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_auth_mechanism_ssl].\n');
    await startDetachedNode({
      name,
      amqpPort: port,
      distPort,
      dir,
      env: { RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins') },
    });
  } catch (error) {
    const problems = await stopTlsNode(node);
    throw new Error(
      `could not start ${name} on port ${port}: ${(error as Error).message.split('\n')[0]}` +
        (problems.length > 0 ? ` (cleanup: ${problems.join('; ')})` : ''),
      { cause: error },
    );
  }
  return node;
}

/**
 * A user that can only log in with a certificate whose CN is `username` (its password is cleared),
 * with every permission on the default virtual host.
 */
export async function addCertificateUser(node: TlsNode, username: string): Promise<void> {
  await ctl(['add_user', username, randomBytes(16).toString('hex')], node.name);
  await ctl(['clear_password', username], node.name);
  await ctl(['set_permissions', username, '.*', '.*', '.*'], node.name);
}

/**
 * The node's connections with the given `rabbitmqctl list_connections` columns, once there are
 * `count` of them (a connection closed a moment ago can still be listed), or as they are after 5 s.
 */
export async function listConnections(
  node: TlsNode,
  columns: string[],
  count: number,
): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const out = await ctl(['list_connections', ...columns, '--formatter', 'json'], node.name);
    const rows = JSON.parse(out) as Record<string, unknown>[];
    if (rows.length === count || Date.now() > deadline) return rows;
    await sleep(100);
  }
}

function readPid(node: TlsNode): number | undefined {
  if (!existsSync(pidFileOf(node))) return undefined;
  const pid = Number(readFileSync(pidFileOf(node), 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the node and deletes its directory; every step is tried even if one fails, and the failures
 * are returned. `stop` is given the pid file only when it exists (it waits for the file to appear
 * otherwise); a VM still running after that (one that never answered, still booting) is sent SIGTERM.
 */
export async function stopTlsNode(node: TlsNode): Promise<string[]> {
  const problems: string[] = [];
  const pid = readPid(node);
  if (await answers(node.name)) {
    const args = pid === undefined ? ['stop'] : ['stop', pidFileOf(node)];
    await ctl(args, node.name, 60_000).catch((error: Error) =>
      problems.push(`stop ${node.name}: ${error.message.split('\n')[0]}`),
    );
  }
  if (pid !== undefined && alive(pid)) {
    problems.push(`${node.name} (pid ${pid}) still running after stop: sent SIGTERM`);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 60 && alive(pid); i += 1) await sleep(250);
  }
  rmSync(node.dir, { recursive: true, force: true });
  return problems;
}
