/**
 * Broker-side helpers for fault tests, driving the real RabbitMQ through `rabbitmqctl` (execFile,
 * each call with a timeout). Changes to the broker's state (memory alarm, stopped app) run under a
 * cross-process lock and are always restored in `finally`, so one failing test cannot leave the
 * shared broker alarmed or stopped for the next one.
 *
 * Note: a memory alarm blocks every publisher on the broker and a stopped app drops every
 * connection, including those of other suites running at the same time.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBrokerLock } from './broker-lock.js';
import { brokerAddress } from './broker-url.js';

/** The port of the broker the tests use: AMQP_URL's (test:faults and test:rabbitmq4 point it at a node of their own), else 5672. */
export const BROKER_PORT = brokerAddress().port;

/** The tiny relative watermark that puts the broker in memory alarm at once. */
export const ALARM_WATERMARK = 0.0000001;
/** RabbitMQ's default relative watermark, used when the current one cannot be read or is a leftover alarm value. */
export const DEFAULT_WATERMARK = 0.4;

/** rabbitmqctl exited non-zero, timed out or could not be started. */
export class RabbitmqctlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(
      `rabbitmqctl ${args.join(' ')} failed (${exitCode ?? 'killed'}): ${stderr.trim() || '(no output)'}`,
    );
    this.name = 'RabbitmqctlError';
  }
}

/** Runs `rabbitmqctl <args>` and resolves with its stdout. */
export function rabbitmqctl(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const timeout = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(
      'rabbitmqctl',
      [...args],
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        const code = error.killed ? `timed out after ${timeout} ms` : (error.code ?? null);
        reject(new RabbitmqctlError(args, code, `${stderr}${stdout}`));
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// connections

/** A client connection as the broker lists it. */
export interface BrokerConnection {
  /** Erlang pid as `close_connection` takes it, e.g. `<rabbit@host.1.824.0>`. */
  pid: string;
  /** The broker's name for it: `client-ip:port -> server-ip:port`. */
  name: string;
  user: string;
  vhost: string;
  state: string;
  /** The client properties the client sent, decoded to plain values. */
  clientProperties: Record<string, unknown>;
  /** `client_properties.connection_name`, when the client set one. */
  connectionName: string | undefined;
}

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
    : (await listConnections())
        .filter((c) => c.connectionName === target || c.name === target)
        .map((c) => c.pid);
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
    const found = (await listConnections()).find((c) => c.connectionName === connectionName);
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`no connection named "${connectionName}" after ${timeoutMs} ms`);
    await sleep(200);
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

// ---------------------------------------------------------------------------------------------
// queues

/** What the broker says about a queue right now. */
export interface QueueInfo {
  name: string;
  messages: number;
  messagesReady: number;
  messagesUnacknowledged: number;
  consumers: number;
  durable: boolean;
  type: string;
}

/** The queue's counters from `rabbitmqctl list_queues`, or undefined when it does not exist. */
export async function queueInfo(name: string, vhost = '/'): Promise<QueueInfo | undefined> {
  const out = await rabbitmqctl([
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages',
    'messages_ready',
    'messages_unacknowledged',
    'consumers',
    'durable',
    'type',
    '--formatter',
    'json',
    '-q',
  ]);
  const rows = JSON.parse(out.trim() === '' ? '[]' : out) as Record<string, unknown>[];
  const row = rows.find((r) => r['name'] === name);
  if (row === undefined) return undefined;
  return {
    name,
    messages: Number(row['messages'] ?? 0),
    messagesReady: Number(row['messages_ready'] ?? 0),
    messagesUnacknowledged: Number(row['messages_unacknowledged'] ?? 0),
    consumers: Number(row['consumers'] ?? 0),
    durable: row['durable'] === true,
    type: String(row['type'] ?? 'classic'),
  };
}

/** Deletes a queue; resolves false when there was none (so cleanup can call it unconditionally). */
export async function deleteQueue(name: string, vhost = '/'): Promise<boolean> {
  try {
    await rabbitmqctl(['delete_queue', '-p', vhost, name]);
    return true;
  } catch (error) {
    if (error instanceof RabbitmqctlError && /not found/i.test(error.stderr)) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// channels

/** A channel's basic.qos as the broker holds it. */
export interface ChannelPrefetch {
  /** The broker's name for it: `client-ip:port -> server-ip:port (n)`. */
  name: string;
  consumerCount: number;
  /** basic.qos with global = true (RabbitMQ: shared by the channel's consumers); 0 when unset. */
  globalPrefetchCount: number;
}

/**
 * Every channel's global prefetch. RabbitMQ 4.0 still applies a global basic.qos (a deprecated
 * feature, permitted by default) but its CLI no longer lists `global_prefetch_count`, so there the
 * channel processes are asked directly (`rabbitmqctl eval`).
 */
export async function listChannelPrefetch(): Promise<ChannelPrefetch[]> {
  try {
    const out = await rabbitmqctl([
      'list_channels',
      'name',
      'consumer_count',
      'global_prefetch_count',
      '-q',
      '--formatter',
      'json',
    ]);
    const rows = JSON.parse(out.trim() === '' ? '[]' : out) as {
      name: string;
      consumer_count: number;
      global_prefetch_count: number;
    }[];
    return rows.map((row) => ({
      name: row.name,
      consumerCount: row.consumer_count,
      globalPrefetchCount: row.global_prefetch_count,
    }));
  } catch (error) {
    if (!(error instanceof RabbitmqctlError && /global_prefetch_count are not supported/.test(error.stderr)))
      throw error;
  }
  const out = await rabbitmqctl([
    'eval',
    '-q',
    'lists:foreach(fun(P) -> case catch rabbit_channel:info(P, [name, consumer_count, global_prefetch_count]) of ' +
      '[{name, N}, {consumer_count, C}, {global_prefetch_count, G}] -> io:format("~ts\\t~b\\t~b~n", [N, C, G]); ' +
      '_ -> ok end end, rabbit_channel:list()).',
  ]);
  const rows: ChannelPrefetch[] = [];
  for (const line of out.split('\n')) {
    const match = /^(.+ \(\d+\))\t(\d+)\t(\d+)$/.exec(line);
    if (match !== null)
      rows.push({ name: match[1]!, consumerCount: Number(match[2]), globalPrefetchCount: Number(match[3]) });
  }
  return rows;
}
