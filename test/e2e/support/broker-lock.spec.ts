/**
 * The lock that keeps broker-changing tests apart, exercised on a private lock directory: holders
 * never overlap (inside one process and across processes), a holder may re-enter, and a lock left
 * by a dead process is taken over.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLock } from '../../support/broker-lock.js';

const base = mkdtempSync(join(tmpdir(), 'lock-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(base, `lock-${n++}`);

describe('createLock', () => {
  it('never lets two holders in one process overlap, and frees the directory after', async () => {
    const dir = freshDir();
    const withLock = createLock(dir);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        withLock(async () => {
          inside++;
          most = Math.max(most, inside);
          expect(existsSync(dir)).toBe(true);
          await sleep(20);
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(existsSync(dir)).toBe(false);
  });

  it('is re-entrant inside the holder and frees the lock when the holder throws', async () => {
    const dir = freshDir();
    const withLock = createLock(dir);
    await expect(withLock(() => withLock(async () => 'nested'))).resolves.toBe('nested');
    await expect(
      withLock(() => {
        throw new Error('holder failed');
      }),
    ).rejects.toThrow('holder failed');
    expect(existsSync(dir)).toBe(false);
    await expect(withLock(() => 'free again')).resolves.toBe('free again');
  });

  it('waits for a live holder in another process, and gives up after its timeout', async () => {
    const dir = freshDir();
    // another process takes the lock: the directory with its live pid
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), String(other.pid));
      const withLock = createLock(dir);
      await expect(withLock(() => 'never', 300)).rejects.toThrow('still held');
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
      // its owner is gone now: the lock is taken over
      await expect(withLock(() => 'taken over', 5000)).resolves.toBe('taken over');
    } finally {
      other.kill();
    }
  });

  it('takes over a lock whose owner pid is dead or unreadable', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    for (const owner of [String(dead), 'garbage']) {
      const dir = freshDir();
      mkdirSync(dir);
      writeFileSync(join(dir, 'owner'), owner);
      await expect(createLock(dir)(() => 'ok', 5000)).resolves.toBe('ok');
      expect(existsSync(dir)).toBe(false);
    }
  });
});
