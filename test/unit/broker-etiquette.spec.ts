/**
 * `npm test` leaves a shared broker alone. Whatever suite is added later, a `*.spec.ts` may not stop
 * the broker's app, raise a resource alarm, set policies or close connections wholesale: those
 * belong in a `*.faults.ts` suite (`npm run test:faults`, against a private node). A user or vhost of
 * the test's own (a unique name, deleted afterwards) and closing the test's own connection by its
 * unique name stay allowed. (The bystander connection of the jest globalSetup checks at run time that
 * nobody else's connection was closed.)
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

const FORBIDDEN: [RegExp, string][] = [
  [/\bwithAppStopped\s*\(|\bstopApp\s*\(|['"]stop_app['"]/, 'stops the broker app'],
  [/\bwithMemoryAlarm\s*\(|set_vm_memory_high_watermark|set_disk_free_limit/, 'raises a resource alarm'],
  [
    /['"](set_policy|set_operator_policy|set_parameter|set_global_parameter)['"]/,
    'sets a policy or parameter',
  ],
  // guest's permissions on a vhost the test created itself (-p vhost) touch nothing of anybody else's
  [
    /['"]set_permissions['"],\s*['"]guest['"]|['"](delete_user|change_password|clear_password)['"],\s*['"]guest['"]/,
    'changes the guest user',
  ],
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
