/**
 * One test at a time may change the shared broker's state (memory alarm, stopped app): jest runs
 * test files in several worker processes, and two overlapping changes would each "restore" the
 * other's value. The lock is a directory (mkdir is atomic) holding the owner's pid, so a lock left
 * by a killed process is taken over instead of blocking every later run.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The lock every broker helper uses: one per node (RABBITMQ_NODENAME, which `npm run test:faults`
 * sets to its private node), so a fault run on a private node never waits for one on the shared broker.
 */
const NODE = process.env['RABBITMQ_NODENAME'];
export const BROKER_LOCK_DIR = join(
  tmpdir(),
  NODE === undefined ? 'nestjs-amqp-transport-broker.lock' : `nestjs-amqp-transport-broker-${NODE.replace(/[^\w.-]/g, '_')}.lock`,
);

/** Runs a function while holding the lock; re-entrant inside that function. */
export type WithLock = <T>(fn: () => Promise<T> | T, timeoutMs?: number) => Promise<T>;

function ownerAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'owner'), 'utf8'));
  } catch {
    // the owner is between mkdir and writing its pid: alive, unless that moment is long past
    try {
      return Date.now() - statSync(dir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!ownerAlive(dir)) rmSync(dir, { recursive: true, force: true });
    return false;
  }
  writeFileSync(join(dir, 'owner'), String(process.pid));
  return true;
}

/** A lock on `dir` (a path that must not exist while the lock is free). */
export function createLock(dir: string): WithLock {
  // marks the async context that holds the lock, so a helper may call another under it
  const holding = new AsyncLocalStorage<true>();
  // serializes holders inside this process (the directory only tells processes apart)
  let localQueue: Promise<unknown> = Promise.resolve();

  return async <T>(fn: () => Promise<T> | T, timeoutMs = 300_000): Promise<T> => {
    if (holding.getStore() === true) return fn();
    const run = localQueue.then(async () => {
      const deadline = Date.now() + timeoutMs;
      while (!tryAcquire(dir)) {
        if (Date.now() > deadline) throw new Error(`lock ${dir} still held after ${timeoutMs} ms`);
        await sleep(100);
      }
      try {
        return await holding.run(true, fn);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    localQueue = run.catch(() => undefined);
    return run;
  };
}

/** Runs `fn` while holding the cross-process broker lock (re-entrant inside `fn`). */
export const withBrokerLock: WithLock = createLock(BROKER_LOCK_DIR);
