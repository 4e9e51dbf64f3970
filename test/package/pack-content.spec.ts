/**
 * What `npm pack` would publish: the entry points' (., ./protocol, ./testing) JavaScript and declarations, README, LICENSE and
 * CHANGELOG, the sources the shipped source maps point to, every target of `exports` and
 * `typesVersions`, and nothing of the tests, benches, samples or scripts. `npm pack` runs prepack,
 * which builds dist/ afresh.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

interface PackResult {
  files: Array<{ path: string }>;
}

interface PackageJson {
  exports: Record<string, string | Record<string, string>>;
  typesVersions: Record<string, Record<string, string[]>>;
  main: string;
  types: string;
}

function targets(value: string | Record<string, string>): string[] {
  return typeof value === 'string' ? [value] : Object.values(value);
}

describe('the packed package', () => {
  let files: Set<string>;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

  beforeAll(() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [result] = JSON.parse(out) as PackResult[];
    files = new Set(result?.files.map((file) => file.path) ?? []);
  }, 180_000);

  it('ships every entry point, their declarations, README, LICENSE and CHANGELOG', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/protocol/index.js',
      'dist/protocol/index.d.ts',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
    ]) {
      expect([file, files.has(file)]).toEqual([file, true]);
    }
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships every file exports, main, types and typesVersions name', () => {
    const named = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.exports).flatMap(targets),
      ...Object.values(manifest.typesVersions).flatMap((map) => Object.values(map).flat()),
    ];
    for (const target of named) expect([target, files.has(posix.normalize(target))]).toEqual([target, true]);
  });

  it('ships no tests, benches, samples, scripts or docs', () => {
    const stray = [...files].filter(
      (file) => /^(test|bench|sample|scripts|docs|\.ci)\//.test(file) || /\.spec\.|\.test\./.test(file),
    );
    expect(stray).toEqual([]);
  });

  it('has a source map for every script and declaration file, and every map resolves to shipped sources', () => {
    // Declaration maps too: "go to definition" in an editor lands in the shipped lib/ sources.
    const scripts = [...files].filter((file) => file.endsWith('.js') || file.endsWith('.d.ts'));
    expect(scripts.length).toBeGreaterThan(100);
    const unresolved: string[] = [];
    for (const script of scripts) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, script), 'utf8'))?.[1];
      const map = url === undefined ? undefined : posix.join(posix.dirname(script), url);
      if (map === undefined || !files.has(map)) {
        unresolved.push(`${script} -> ${String(map)}`);
        continue;
      }
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of sources) {
        const shipped = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
        if (!files.has(shipped)) unresolved.push(`${map} -> ${shipped}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('loads from require() in a CommonJS process (no top-level await in dist)', () => {
    const script =
      "const m = require('./dist/index.js'); const p = require('./dist/protocol/index.js');" +
      "const t = require('./dist/testing/index.js');" +
      "process.stdout.write(String(typeof m.ServerAMQP) + ' ' + String(typeof p.Connection) + ' ' + String(typeof t.InMemoryBroker));";
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(out).toBe('function function function');
  });
});
