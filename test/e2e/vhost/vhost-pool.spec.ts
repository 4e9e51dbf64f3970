/**
 * The e2e suites' vhost pool (test/support/vhost/vhost-pool.ts, vhost-batch.mjs) against the broker:
 * batches make vhosts that guest can use, concurrent takers in several processes never get the same
 * one, deleting takes a vhost's queues and messages along, and the public rabbitmqctl commands, used
 * when `rabbitmqctl eval` fails, end the same. Everything here runs under a prefix of its own (inside
 * the run's, so the globalTeardown would still catch a leftover) and is deleted in afterAll.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '../../../lib/protocol/connection/connection.js';
import { ConnectionParameters } from '../../../lib/protocol/parameters/index.js';
import { brokerAddress } from '../../support/broker-url.js';
import { rabbitmqctl } from '../../support/rabbitmqctl.js';
import { addVhosts, deleteVhosts, type Ctl } from '../../support/vhost/vhost-batch.mjs';
import { BATCH, poolDir, releaseVhost } from '../../support/vhost/vhost-pool.js';

const run = `${process.env['E2E_VHOST_RUN'] ?? 'run'}-pool${randomBytes(3).toString('hex')}`;
/** Every vhost of this file starts with it (runPrefix() of `run`). */
const prefix = `e2e-${run}-`;
const registry = join(tmpdir(), `nestjs-amqp-transport-vhost-pool-${run}.jsonl`);
const dir = poolDir(registry);
const QUEUE = 'vhost-pool.probe';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const taker = fileURLToPath(new URL('./support/pool-taker.ts', import.meta.url));

const lines = (text: string): string[] => text.split('\n').map((line) => line.trim()).filter(Boolean);

async function prefixedVhosts(): Promise<string[]> {
  return lines(await rabbitmqctl(['list_vhosts', '-q', '--no-table-headers', 'name'])).filter((name) => name.startsWith(prefix));
}

function connect(vhost: string): Promise<Connection> {
  return Connection.connect(new ConnectionParameters({ ...brokerAddress(), virtualHost: vhost, connectionAttempts: 1 }));
}

/** Logs in as guest, declares a durable queue and leaves a message in it: the vhost is usable. */
async function fill(vhost: string): Promise<void> {
  const connection = await connect(vhost);
  try {
    const channel = await connection.channel();
    await channel.confirmDelivery();
    await channel.queueDeclare({ queue: QUEUE, durable: true });
    await channel.basicPublish('', QUEUE, 'kept', { deliveryMode: 2 });
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** How many messages the probe queue holds, or the error a passive declare gets (404 once it is gone). */
async function probe(vhost: string): Promise<number | Error> {
  const connection = await connect(vhost);
  try {
    const channel = await connection.channel();
    return await channel
      .queueDeclare({ queue: QUEUE, passive: true })
      .then((ok) => ok.messageCount, (error: Error) => error);
  } finally {
    await connection.close();
  }
}

/** Takes `count` vhosts at once in a process of its own, from this file's pool. */
function takeInChild(count: number): Promise<string[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, E2E_VHOST_RUN: run, E2E_VHOST_REGISTRY: registry };
  delete env['NODE_OPTIONS'];
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', taker, String(count)],
      { cwd: root, env, timeout: 50_000 },
      (error, stdout, stderr) => (error === null ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(`${error.message}\n${stderr}`))),
    ),
  );
}

/** Runs `work` with this file's pool as the process's (releaseVhost reads it from the environment). */
async function withOwnPool<T>(work: () => Promise<T>): Promise<T> {
  const saved = { run: process.env['E2E_VHOST_RUN'], registry: process.env['E2E_VHOST_REGISTRY'] };
  process.env['E2E_VHOST_RUN'] = run;
  process.env['E2E_VHOST_REGISTRY'] = registry;
  try {
    return await work();
  } finally {
    // The suite's own vhost is released through the same variables after afterAll.
    process.env['E2E_VHOST_RUN'] = saved.run;
    process.env['E2E_VHOST_REGISTRY'] = saved.registry;
  }
}

afterAll(async () => {
  await deleteVhosts(await prefixedVhosts(), rabbitmqctl);
  rmSync(dir, { recursive: true, force: true });
  expect(await prefixedVhosts()).toEqual([]);
}, 60_000);

describe('the e2e vhost pool', () => {
  let taken: string[] = [];

  it('hands each of six concurrent takers in two processes a vhost of its own, made in minimal batches', async () => {
    const [first, second] = await Promise.all([takeInChild(3), takeInChild(3)]);
    taken = [...first!, ...second!];
    expect(new Set(taken).size).toBe(6);
    for (const vhost of taken) expect(vhost).toMatch(new RegExp(`^${prefix}[0-9]+-[0-9a-f]{10}$`));
    const entries = readdirSync(dir);
    expect(entries.filter((entry) => entry.startsWith('taken.')).sort()).toEqual(taken.map((vhost) => `taken.${vhost}`).sort());
    // a batch is made only when the pool has none free: two of BATCH for six takers
    const free = entries.filter((entry) => entry.startsWith('free.')).map((entry) => entry.slice('free.'.length));
    expect(taken.length + free.length).toBe(2 * BATCH);
    expect((await prefixedVhosts()).sort()).toEqual([...taken, ...free].sort());
  }, 60_000);

  it('makes vhosts that guest can open, declare a queue in and publish to', async () => {
    for (const vhost of taken) await fill(vhost);
    for (const vhost of taken) expect(await probe(vhost)).toBe(1);
  }, 60_000);

  it('deletes a batch of released vhosts with their queues and messages', async () => {
    const released = taken.slice(0, BATCH);
    await withOwnPool(async () => {
      for (const vhost of released.slice(0, -1)) await releaseVhost(vhost);
      // fewer than BATCH finished: none deleted yet
      expect(await prefixedVhosts()).toEqual(expect.arrayContaining(released));
      await releaseVhost(released.at(-1)!);
    });
    const left = await prefixedVhosts();
    for (const vhost of released) {
      expect(left).not.toContain(vhost);
      expect(existsSync(`${dir}/done.${vhost}`) || existsSync(`${dir}/deleting.${vhost}`)).toBe(false);
      await expect(connect(vhost)).rejects.toThrow(/not found|NOT_ALLOWED/);
    }
    for (const vhost of taken.slice(BATCH)) expect(left).toContain(vhost);
    // made again under the same names, they start empty
    await addVhosts(released, 'guest', rabbitmqctl);
    for (const vhost of released) expect(await probe(vhost)).toMatchObject({ replyCode: 404 });
  }, 60_000);

  it('ends the same through the public commands when rabbitmqctl eval fails', async () => {
    const calls: string[] = [];
    const withoutEval: Ctl = (args) => {
      calls.push(args[0]!);
      return args[0] === 'eval' ? Promise.reject(new Error('eval is not available')) : rabbitmqctl(args);
    };
    const viaEval = `${prefix}eval`;
    const viaCommands = [`${prefix}cmd-1`, `${prefix}cmd-2`];
    await addVhosts([viaEval], 'guest', rabbitmqctl);
    await addVhosts(viaCommands, 'guest', withoutEval);
    expect(calls).toEqual(['eval', 'add_vhost', 'set_permissions', 'add_vhost', 'set_permissions']);
    // guest's permissions on each, as `vhost configure write read`
    const permissions = new Map(
      lines(await rabbitmqctl(['list_user_permissions', '-q', '--no-table-headers', 'guest'])).map((line) => {
        const [vhost, ...rest] = line.split(/\s+/);
        return [vhost, rest.join(' ')] as const;
      }),
    );
    expect(permissions.get(viaEval)).toBe('.* .* .*');
    for (const vhost of viaCommands) expect(permissions.get(vhost)).toBe(permissions.get(viaEval));
    for (const vhost of viaCommands) await fill(vhost);

    calls.length = 0;
    await deleteVhosts(viaCommands, withoutEval);
    expect(calls).toEqual(['eval', 'delete_vhost', 'delete_vhost']);
    const left = await prefixedVhosts();
    for (const vhost of viaCommands) expect(left).not.toContain(vhost);
    expect(left).toContain(viaEval);
    await addVhosts(viaCommands, 'guest', rabbitmqctl);
    for (const vhost of viaCommands) expect(await probe(vhost)).toMatchObject({ replyCode: 404 });
  }, 60_000);
});
