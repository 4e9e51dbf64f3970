/**
 * Fault injection for the recovery tests, through `rabbitmqctl` against the real broker: close a
 * connection by its client-given name, stop and start the app (under the shared broker lock, always
 * restarted in `finally`), manage a throwaway user.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { withBrokerLock } from '../../support/broker-lock.js';
import { BROKER_PORT } from '../../support/broker.js';
import { brokerUrl } from '../../support/broker-url.js';

const run = promisify(execFile);

export const BROKER_URL = brokerUrl();

/** Runs `rabbitmqctl args...` (optionally against another node) and returns stdout. */
export async function rabbitmqctl(args: string[], node?: string): Promise<string> {
  const full = node === undefined ? args : ['-n', node, ...args];
  const { stdout } = await run('rabbitmqctl', full, { timeout: 120_000 });
  return stdout;
}

/** The broker pids of the connections whose client properties carry `connection_name` = `name`. */
export async function connectionPids(name: string, node?: string): Promise<string[]> {
  const out = await rabbitmqctl(
    ['list_connections', '-q', '--no-table-headers', 'pid', 'client_properties'],
    node,
  );
  return out
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] ?? '')
    .filter((pid) => pid.startsWith('<'));
}

/** Waits until the broker lists a connection named `name` (connections show up a moment after open). */
export async function waitForConnection(name: string, node?: string, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = await connectionPids(name, node);
    if (pids.length > 0) return pids;
    if (Date.now() > deadline) throw new Error(`no broker connection named ${name} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Force-closes every connection named `name` (the broker sends connection.close 320 CONNECTION_FORCED). */
export async function closeConnection(
  name: string,
  reason = 'recovery test',
  node?: string,
): Promise<number> {
  const pids = await waitForConnection(name, node);
  for (const pid of pids) await rabbitmqctl(['close_connection', pid, reason], node);
  return pids.length;
}

/** Resolves when the broker answers an AMQP protocol header on host:port. */
export async function waitForBroker(port = BROKER_PORT, host = '127.0.0.1', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe(host, port))) {
    if (Date.now() > deadline)
      throw new Error(`broker at ${host}:${port} did not come back in ${timeoutMs} ms`);
    await sleep(200);
  }
}

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk) => done(chunk[0] === 1));
  });
}

/**
 * Runs `during` with the broker app stopped for `downMs`, holding the broker lock; the app is started
 * again in `finally` whatever happens, and the broker is awaited until it answers.
 */
export async function withAppStopped<T>(downMs: number, during: () => Promise<T> | T): Promise<T> {
  return withBrokerLock(async () => {
    await rabbitmqctl(['stop_app']);
    try {
      const result = await during();
      await sleep(downMs);
      return result;
    } finally {
      await rabbitmqctl(['start_app']);
      await waitForBroker();
    }
  });
}

/** A throwaway user with full rights on '/', deleted by the returned function. */
export async function withUser(username: string, password: string): Promise<() => Promise<void>> {
  await rabbitmqctl(['add_user', username, password]);
  await rabbitmqctl(['set_permissions', '-p', '/', username, '.*', '.*', '.*']);
  return async () => {
    await rabbitmqctl(['delete_user', username]).catch(() => undefined);
  };
}

/** A name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
