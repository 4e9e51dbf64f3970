/**
 * Broker-side helpers for fault tests, driving the real RabbitMQ through `rabbitmqctl` (execFile,
 * each call with a timeout). Changes to the broker's state (memory alarm, stopped app) run under a
 * cross-process lock and are always restored in `finally`, so one failing test cannot leave the
 * shared broker alarmed or stopped for the next one.
 *
 * Note: a memory alarm blocks every publisher on the broker and a stopped app drops every
 * connection, including those of other suites running at the same time.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBrokerLock } from './broker-lock.js';
import { pollPause } from './wait-for.js';
import { rabbitmqctl } from './rabbitmqctl.js';
import { listConnectionsInOneCall, type BrokerConnection } from './connection-listing.js';
import { brokerAddress } from './broker-url.js';

/** The port of the broker the tests use: AMQP_URL's (test:faults and test:rabbitmq4 point it at a node of their own), else 5672. */
export const BROKER_PORT = brokerAddress().port;

/** The tiny relative watermark that puts the broker in memory alarm at once. */
export const ALARM_WATERMARK = 0.0000001;
/** RabbitMQ's default relative watermark, used when the current one cannot be read or is a leftover alarm value. */
export const DEFAULT_WATERMARK = 0.4;

export { RabbitmqctlError, rabbitmqctl } from './rabbitmqctl.js';

// ---------------------------------------------------------------------------------------------
// connections

export type { BrokerConnection } from './connection-listing.js';

type TableEntry = [string, string, unknown];

/** rabbitmqctl's JSON writes a field table as [[key, type, value], ...] (arrays as [[type, value], ...]). */
function decodeField(type: string, value: unknown): unknown {
  if (type === 'table') return decodeTable(value as TableEntry[]);
  if (type === 'array') return (value as [string, unknown][]).map(([t, v]) => decodeField(t, v));
  return value;
}

function decodeTable(entries: TableEntry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, type, value] of entries) out[key] = decodeField(type, value);
  return out;
}

/** Every client connection on the broker (all vhosts). */
export async function listConnections(): Promise<BrokerConnection[]> {
  const listed = await listConnectionsInOneCall();
  if (listed !== undefined) return listed;
  // JSON gives the client properties but writes pids as #PID<...>, which close_connection refuses;
  // the tab-separated listing gives the usable pid. The broker's connection name joins the two.
  const [json, tsv] = await Promise.all([
    rabbitmqctl([
      'list_connections',
      'name',
      'user',
      'vhost',
      'state',
      'client_properties',
      '--formatter',
      'json',
      '-q',
    ]),
    rabbitmqctl(['list_connections', 'name', 'pid', '-q', '--no-table-headers']),
  ]);
  const pids = new Map<string, string>();
  for (const line of tsv.split('\n')) {
    const tab = line.lastIndexOf('\t');
    if (tab > 0) pids.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  const rows = JSON.parse(json.trim() === '' ? '[]' : json) as {
    name: string;
    user: string;
    vhost: string;
    state: string;
    client_properties: TableEntry[] | '';
  }[];
  const out: BrokerConnection[] = [];
  for (const row of rows) {
    const pid = pids.get(row.name);
    if (pid === undefined) continue; // closed between the two listings
    const clientProperties = Array.isArray(row.client_properties) ? decodeTable(row.client_properties) : {};
    const connectionName = clientProperties['connection_name'];
    out.push({
      pid,
      name: row.name,
      user: row.user,
      vhost: row.vhost,
      state: row.state,
      clientProperties,
      connectionName: typeof connectionName === 'string' ? connectionName : undefined,
    });
  }
  return out;
}

/**
 * Force-closes connections the way an operator does (`rabbitmqctl close_connection`): the client
 * receives connection.close 320 CONNECTION_FORCED with `reason`.
 * @param target a pid (`<rabbit@...>`), else matched against the `connection_name` client property
 *   and the broker's connection name
 * @returns how many connections were closed
 */
export async function closeConnection(target: string, reason = 'closed by a test'): Promise<number> {
  const pids = /^<.+>$/.test(target)
    ? [target]
    : (await listConnections()).filter((c) => c.connectionName === target || c.name === target).map((c) => c.pid);
  for (const pid of pids) await rabbitmqctl(['close_connection', pid, reason]);
  return pids.length;
}

/** Polls until a connection with this `connection_name` is listed, and returns it. */
export async function waitForConnection(
  connectionName: string,
  timeoutMs = 15_000,
): Promise<BrokerConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    const found = (await listConnections()).find((c) => c.connectionName === connectionName);
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`no connection named "${connectionName}" after ${timeoutMs} ms`);
    await pollPause(Date.now() - started);
  }
}

/**
 * Waits until a connection with this `connection_name` is listed, then force-closes every one of
 * that name: `waitForConnection(name)` then `closeConnection(name)` with one listing instead of
 * two (each listing boots an Erlang VM).
 * @returns how many connections were closed (at least 1)
 */
export async function closeConnectionWhenListed(
  connectionName: string,
  reason = 'closed by a test',
  timeoutMs = 15_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    const pids = (await listConnections()).filter((c) => c.connectionName === connectionName).map((c) => c.pid);
    if (pids.length > 0) {
      for (const pid of pids) await rabbitmqctl(['close_connection', pid, reason]);
      return pids.length;
    }
    if (Date.now() > deadline)
      throw new Error(`no connection named "${connectionName}" after ${timeoutMs} ms`);
    await pollPause(Date.now() - started);
  }
}

/**
 * Runs `fn`, then `restore` in `finally` whatever happened. A restore failure is thrown when `fn`
 * succeeded; when `fn` failed its error wins and the restore failure is printed beside it.
 */
async function runThenRestore<T>(fn: () => Promise<T>, restore: () => Promise<void>): Promise<T> {
  let restoreError: unknown;
  let result: T;
  try {
    result = await fn();
  } finally {
    try {
      await restore();
    } catch (error) {
      restoreError = error;
      console.error('broker state NOT restored:', error);
    }
  }
  if (restoreError !== undefined) throw restoreError;
  return result;
}

// ---------------------------------------------------------------------------------------------
// memory alarm

/** The broker's memory high watermark: a fraction of RAM or an absolute size. */
export type MemoryWatermark = { relative: number } | { absolute: number | string };

interface BrokerStatus {
  alarms?: { resource?: string }[];
  vm_memory_high_watermark_setting?: { relative?: number; absolute?: number | string };
}

async function status(): Promise<BrokerStatus> {
  return JSON.parse(await rabbitmqctl(['status', '--formatter', 'json', '-q'])) as BrokerStatus;
}

/** The current memory high watermark setting. */
export async function readMemoryWatermark(): Promise<MemoryWatermark> {
  const setting = (await status()).vm_memory_high_watermark_setting;
  if (typeof setting?.relative === 'number') return { relative: setting.relative };
  if (setting?.absolute !== undefined) return { absolute: setting.absolute };
  throw new Error('rabbitmqctl status shows no vm_memory_high_watermark_setting');
}

export async function setMemoryWatermark(watermark: MemoryWatermark): Promise<void> {
  const args =
    'relative' in watermark
      ? ['set_vm_memory_high_watermark', String(watermark.relative)]
      : ['set_vm_memory_high_watermark', 'absolute', String(watermark.absolute)];
  await rabbitmqctl(args);
}

/** True while the broker has a memory alarm raised. */
export async function memoryAlarmActive(): Promise<boolean> {
  return ((await status()).alarms ?? []).some((a) => a.resource === 'memory');
}

async function waitForAlarm(active: boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await memoryAlarmActive()) !== active) {
    if (Date.now() > deadline)
      throw new Error(`memory alarm still ${active ? 'off' : 'on'} after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Runs `fn` with the broker in memory alarm (publishers blocked: connection.blocked is sent), then
 * restores the watermark read before, in `finally`, and waits for the alarm to clear.
 */
export async function withMemoryAlarm<T>(fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  return withBrokerLock(async () => {
    let previous: MemoryWatermark = { relative: DEFAULT_WATERMARK };
    try {
      const read = await readMemoryWatermark();
      // a value this small is an alarm left behind by a killed run, not a setting to go back to
      if (!('relative' in read) || read.relative >= 0.001) previous = read;
    } catch {
      // keep the default
    }
    return runThenRestore(
      async () => {
        await setMemoryWatermark({ relative: ALARM_WATERMARK });
        await waitForAlarm(true, timeoutMs);
        return fn();
      },
      async () => {
        await setMemoryWatermark(previous);
        await waitForAlarm(false, timeoutMs);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// broker application

/** Resolves once the broker answers an AMQP protocol header with connection.start. */
export async function waitForBroker(
  options: { host?: string; port?: number; timeoutMs?: number } = {},
): Promise<void> {
  const { host = '127.0.0.1', port = BROKER_PORT, timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await probe(host, port))) {
    if (Date.now() > deadline)
      throw new Error(`the broker at ${host}:${port} did not answer within ${timeoutMs} ms`);
    await sleep(250);
  }
}

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    socket.once('data', (chunk) => done(chunk[0] === 1));
  });
}

/** `rabbitmqctl stop_app`: the node stays up, AMQP connections are dropped and refused. */
export async function stopApp(): Promise<void> {
  await rabbitmqctl(['stop_app'], { timeoutMs: 120_000 });
}

/** `rabbitmqctl start_app`, then waits until AMQP connections are accepted again. */
export async function startApp(): Promise<void> {
  await rabbitmqctl(['start_app'], { timeoutMs: 120_000 });
  await waitForBroker();
}

/** Runs `fn` with the broker's app stopped; starts it again in `finally` and waits until it answers. */
export async function withAppStopped<T>(fn: () => Promise<T> | T): Promise<T> {
  return withBrokerLock(async () => {
    return runThenRestore(async () => {
      await stopApp();
      return fn();
    }, startApp);
  });
}

// queues and channels: broker-queues.ts
export {
  queueInfo,
  deleteQueue,
  listChannelPrefetch,
  type QueueInfo,
  type ChannelPrefetch,
} from './broker-queues.js';
