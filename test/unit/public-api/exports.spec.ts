/**
 * The public API does not change by accident: both entries' exports (names and kinds, as the compiler
 * sees them) are held against the recorded baseline, and any name added, removed or changed in kind
 * must be named in CHANGELOG.md's Unreleased section. A refactor that moves files keeps the list as is.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
// @ts-expect-error: a plain .mjs script without types
import { BASELINE, diffExports, listExports, unreleasedChangelog } from '../../../scripts/public-api.mjs';

type Listing = Record<string, Record<string, string>>;
interface Change {
  entry: string;
  name: string;
  change: string;
}

describe('public API', () => {
  const current = listExports() as Listing;
  const baseline = JSON.parse(readFileSync(BASELINE as string, 'utf8')) as Listing;

  it('lists both entries with their names and kinds', () => {
    expect(Object.keys(current)).toEqual(['.', './protocol', './testing']);
    expect(current['.']!['ServerAMQP']).toBe('class');
    expect(current['.']!['QueueConsumer']).toBe('function');
    expect(current['.']!['AmqpModuleOptions']).toBe('interface');
    expect(current['./protocol']!['Connection']).toBe('class');
    expect(current['./protocol']!['ServerAMQP']).toBeUndefined();
    expect(current['./testing']!['InMemoryBroker']).toBe('class');
  });

  it('differs from the baseline only in names the changelog mentions', () => {
    const changelog = unreleasedChangelog() as string;
    const undocumented = (diffExports(baseline, current) as Change[])
      .filter(({ name }) => !changelog.includes(`\`${name}\``))
      .map(({ entry, change }) => `${entry} ${change}`);
    expect(undocumented).toEqual([]);
  });

  it('reports an added, a removed and a re-kinded name', () => {
    const before: Listing = { '.': { A: 'class', B: 'type', C: 'const' } };
    const after: Listing = { '.': { A: 'class', C: 'function', D: 'interface' } };
    expect((diffExports(before, after) as Change[]).map((c) => c.change).sort()).toEqual([
      '+D (interface)',
      '-B (type)',
      'C: const -> function',
    ]);
  });
});
