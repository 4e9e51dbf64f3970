/**
 * The e2e suites' vhosts, made and deleted in batches: rabbitmqctl boots an Erlang VM per call (about
 * a second of CPU), and three calls per suite (add_vhost, set_permissions, delete_vhost) were a large
 * share of a run's CPU, three times over in CI (npm test, RabbitMQ 4, Nest 11). Here one call makes
 * BATCH vhosts with the user's permissions, a suite takes one of them, and a finished suite's vhost is
 * deleted, with everything in it, together with the others finished since (one call for up to BATCH);
 * the globalTeardown deletes what is left of the run's pool (leftovers.mjs). The batch calls are in
 * vhost-batch.mjs.
 *
 * The workers share the pool through a directory beside the run's registry: `free.<vhost>` is made and
 * unused, taken by renaming it (atomic), `done.<vhost>` is finished; a `lock` directory (mkdir is
 * atomic) lets one worker at a time call rabbitmqctl for the pool.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rabbitmqctl } from '../rabbitmqctl.js';
import { addVhosts, deleteVhosts, poolDirOf, runPrefix } from './vhost-batch.mjs';

/** Vhosts made, or deleted, per rabbitmqctl call. */
export const BATCH = 4;
/** A lock older than this was left by a worker that died holding it. */
const STALE_LOCK_MS = 180_000;

/** The pool's directory: beside the run's registry (jest.config.js sets E2E_VHOST_REGISTRY). */
export function poolDir(registry = process.env['E2E_VHOST_REGISTRY']): string {
  if (registry === undefined || registry === '') throw new Error('E2E_VHOST_REGISTRY is not set (jest.config.js sets it)');
  return poolDirOf(registry);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` holding the pool's lock; waits for another worker's turn. */
async function locked<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = `${dir}/lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Renames one `from.<vhost>` to `to.<vhost>`; the vhost, or undefined when there is none. */
function claim(dir: string, from: string, to: string): string | undefined {
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(`${from}.`)) continue;
    const vhost = entry.slice(from.length + 1);
    try {
      renameSync(`${dir}/${entry}`, `${dir}/${to}.${vhost}`);
      return vhost;
    } catch {
      // another worker took it
    }
  }
  return undefined;
}

/** A vhost of the pool for one suite, with every permission for `user`. */
export async function takeVhost(user: string): Promise<string> {
  const dir = poolDir();
  mkdirSync(dir, { recursive: true });
  for (;;) {
    const free = claim(dir, 'free', 'taken');
    if (free !== undefined) return free;
    const made = await locked(dir, async () => {
      if (readdirSync(dir).some((entry) => entry.startsWith('free.'))) return undefined; // made meanwhile
      const vhosts = Array.from({ length: BATCH }, () => `${runPrefix()}${process.pid}-${randomBytes(5).toString('hex')}`);
      await addVhosts(vhosts, user, rabbitmqctl);
      const [mine, ...others] = vhosts as [string, ...string[]];
      writeFileSync(`${dir}/taken.${mine}`, '');
      for (const vhost of others) writeFileSync(`${dir}/free.${vhost}`, '');
      return mine;
    });
    if (made !== undefined) return made;
  }
}

/**
 * Marks a suite's vhost finished; once BATCH are, the worker that finished the last deletes them all
 * in one call (the teardown deletes the rest).
 */
export async function releaseVhost(vhost: string): Promise<void> {
  const dir = poolDir();
  renameSync(`${dir}/taken.${vhost}`, `${dir}/done.${vhost}`);
  if (readdirSync(dir).filter((entry) => entry.startsWith('done.')).length < BATCH) return;
  await locked(dir, async () => {
    const done: string[] = [];
    for (let vhost = claim(dir, 'done', 'deleting'); vhost !== undefined; vhost = claim(dir, 'done', 'deleting')) done.push(vhost);
    await deleteVhosts(done, rabbitmqctl);
    for (const vhost of done) rmSync(`${dir}/deleting.${vhost}`, { force: true });
  });
}
