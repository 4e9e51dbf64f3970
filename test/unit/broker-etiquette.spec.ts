/**
 * `npm test` leaves a shared broker alone. Whatever suite is added later, a `*.spec.ts` may not stop
 * the broker's app, raise a memory alarm, manage users or vhosts, or close connections wholesale:
 * those belong in a `*.faults.ts` suite (`npm run test:faults`, against a private node). Closing the
 * test's own connection by its unique name stays allowed. (The bystander connection of the jest
 * globalSetup checks the same at run time.)
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const FORBIDDEN: [RegExp, string][] = [
  [/\bwithAppStopped\s*\(|\bstopApp\s*\(|['"]stop_app['"]/, 'stops the broker app'],
  [/\bwithMemoryAlarm\s*\(|set_vm_memory_high_watermark|set_disk_free_limit/, 'raises a resource alarm'],
  [/\bwithUser\s*\(|['"](add_user|delete_user|change_password|clear_password|set_user_tags)['"]/, 'manages users'],
  [/['"](add_vhost|delete_vhost|set_policy|clear_policy|set_parameter)['"]/, 'changes vhosts or policies'],
  [/['"]close_all_connections['"]|['"]close_all_user_connections['"]/, 'closes every connection'],
];

function specFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return specFiles(path);
    return path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('npm test leaves a shared broker alone', () => {
  const self = fileURLToPath(import.meta.url);
  const files = specFiles(testRoot).filter((file) => file !== self);

  it('finds the suites it checks', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('no *.spec.ts changes the broker for everybody (move such a test to a *.faults.ts suite)', () => {
    const offences: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [pattern, what] of FORBIDDEN)
        if (pattern.test(text)) offences.push(`${relative(testRoot, file)} ${what}`);
    }
    expect(offences).toEqual([]);
  });
});
