/**
 * What `npm pack` would publish: both builds (dist/esm, dist/cjs) with their declarations, the entry
 * faces `exports` points to (dist/entry), README, LICENSE, CHANGELOG and the docs, the sources the
 * shipped source maps point to, every target of `exports` and `typesVersions`, and nothing of the
 * tests, benches, samples or scripts. `npm pack` runs prepack, which builds dist/ (or finds it built from these sources already). The built
 * package then loads by require() and by import, and a process that does both gets one copy.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

interface PackResult {
  files: Array<{ path: string }>;
}

type Conditions = string | { [condition: string]: Conditions };

interface PackageJson {
  exports: Record<string, Conditions>;
  typesVersions: Record<string, Record<string, string[]>>;
  main: string;
  types: string;
}

function targets(value: Conditions): string[] {
  return typeof value === 'string' ? [value] : Object.values(value).flatMap(targets);
}

/** Runs a script with plain Node (no jest vm-modules flag) in the checkout; its stdout. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
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

  it('ships both builds of every entry point, their declarations and faces, README, LICENSE, CHANGELOG and docs', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'docs/README.md',
      'docs/getting-started.md',
      'docs/compatibility.md',
      'dist/cjs/package.json',
      ...['dist/esm', 'dist/cjs'].flatMap((build) => [
        `${build}/index.js`,
        `${build}/index.d.ts`,
        `${build}/protocol/index.js`,
        `${build}/protocol/index.d.ts`,
        `${build}/testing/index.js`,
        `${build}/testing/index.d.ts`,
      ]),
      'dist/entry/index.mjs',
      'dist/entry/index.cjs',
      'dist/entry/protocol.mjs',
      'dist/entry/protocol.cjs',
      'dist/entry/testing.mjs',
      'dist/entry/testing.cjs',
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

  it('ships no tests, benches, samples or scripts', () => {
    // docs/snippets/testing/*.test.ts are the testing guide's examples (documentation shipped with
    // docs/), not the package's own tests.
    const stray = [...files].filter(
      (file) =>
        /^(test|bench|sample|scripts|\.ci)\//.test(file) ||
        (/\.spec\.|\.test\./.test(file) && !file.startsWith('docs/snippets/')),
    );
    expect(stray).toEqual([]);
  });

  it('has a CommonJS build that CommonJS can parse: "type": "commonjs", no import.meta, no import/export', () => {
    expect(JSON.parse(readFileSync(join(root, 'dist/cjs/package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
    const esmSyntax = [...files]
      .filter((file) => file.startsWith('dist/cjs/') && file.endsWith('.js'))
      .filter((file) => {
        const code = readFileSync(join(root, file), 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '');
        return /\bimport\.meta\b|^\s*(import|export)\s/m.test(code);
      });
    expect(esmSyntax).toEqual([]);
  });

  it('has a source map for every script and declaration file, and every map resolves to shipped sources', () => {
    // Declaration maps too: "go to definition" in an editor lands in the shipped lib/ sources. The
    // generated faces (dist/entry/*.mjs, *.cjs) are not compiled from a source and have no map.
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

  it('loads by require() as CommonJS and by import as ES modules, through its own name', () => {
    const required =
      "const m = require('nestjs-amqp-transport'); const p = require('nestjs-amqp-transport/protocol');" +
      "const t = require('nestjs-amqp-transport/testing');" +
      "const cjs = require.cache[require.resolve('./dist/cjs/index.js')] !== undefined;" +
      "process.stdout.write([typeof m.ServerAMQP, typeof p.Connection, typeof t.InMemoryBroker, cjs].join(' '));";
    expect(node(['-e', required])).toBe('function function function true');
    const imported =
      "const m = await import('nestjs-amqp-transport'); const p = await import('nestjs-amqp-transport/protocol');" +
      "const t = await import('nestjs-amqp-transport/testing');" +
      "process.stdout.write([typeof m.ServerAMQP, typeof p.Connection, typeof t.InMemoryBroker, typeof require].join(' '));";
    expect(node(['--input-type=module', '-e', imported])).toBe('function function function undefined');
  });

  // test/package/hazard: every export identical through require and import, errors instanceof both
  // ways, a provider registered through one copy found by the other's token (needs the broker).
  it.each(['cjs-first.cjs', 'esm-first.mjs'])('gives one copy per process: %s', (script) => {
    expect(node([join('test', 'package', 'hazard', script)])).toMatch(
      /^one copy \(.+\): \d+ exports identical/m,
    );
  });
});
