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

const LOCK_DIR = join(tmpdir(), 'nestjs-amqp-transport-broker.lock');
const OWNER_FILE = join(LOCK_DIR, 'owner');

/** Marks the async context that holds the lock, so a helper may call another under it. */
const holding = new AsyncLocalStorage<true>();
/** Serializes holders inside this process (the directory only tells processes apart). */
let localQueue: Promise<unknown> = Promise.resolve();

function ownerAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(OWNER_FILE, 'utf8'));
  } catch {
    // the owner is between mkdir and writing its pid: alive, unless that moment is long past
    try {
      return Date.now() - statSync(LOCK_DIR).mtimeMs < 10_000;
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

function tryAcquire(): boolean {
  try {
    mkdirSync(LOCK_DIR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (ownerAlive()) return false;
    rmSync(LOCK_DIR, { recursive: true, force: true });
    return false;
  }
  writeFileSync(OWNER_FILE, String(process.pid));
  return true;
}

/**
 * Runs `fn` while holding the cross-process broker lock (re-entrant inside `fn`).
 * @param timeoutMs how long to wait for another holder before failing
 */
export async function withBrokerLock<T>(fn: () => Promise<T> | T, timeoutMs = 300_000): Promise<T> {
  if (holding.getStore() === true) return fn();
  const run = localQueue.then(async () => {
    const deadline = Date.now() + timeoutMs;
    while (!tryAcquire()) {
      if (Date.now() > deadline) throw new Error(`broker lock ${LOCK_DIR} still held after ${timeoutMs} ms`);
      await sleep(100);
    }
    try {
      return await holding.run(true, fn);
    } finally {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
  });
  localQueue = run.catch(() => undefined);
  return run;
}
