#!/usr/bin/env node
// The package's public API as the compiler sees it: every name each entry exports, with its kind
// (class, function, const, interface, type, enum, namespace). `--write` records it as the baseline
// (test/unit/public-api/exports.baseline.json); test/unit/public-api/exports.spec.ts fails when the
// entries differ from the baseline in a name that CHANGELOG.md's Unreleased section does not mention.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
/** The package's entries: export subpath -> source file. */
export const ENTRIES = { '.': 'lib/index.ts', './protocol': 'lib/protocol/index.ts', './testing': 'lib/testing/index.ts' };
export const BASELINE = join(root, 'test/unit/public-api/exports.baseline.json');

function kindOf(symbol) {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return 'const';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Module) return 'namespace';
  return 'other';
}

/** Lists each entry's exports as `{ [entry]: { [name]: kind } }`, names sorted. */
export function listExports(entries = ENTRIES, base = root) {
  const files = Object.values(entries).map((file) => join(base, file));
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    experimentalDecorators: true,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const result = {};
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(join(base, file));
    if (!source) throw new Error(`public-api: ${file} not found`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const names = {};
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      names[exported.getName()] = kindOf(target);
    }
    result[entry] = Object.fromEntries(Object.entries(names).sort(([a], [b]) => a.localeCompare(b)));
  }
  return result;
}

/** What differs between two listings: one line per name, e.g. `. +Foo (class)`, `./protocol -Bar (type)`. */
export function diffExports(baseline, current) {
  const changes = [];
  for (const entry of new Set([...Object.keys(baseline), ...Object.keys(current)])) {
    const before = baseline[entry] ?? {};
    const after = current[entry] ?? {};
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (before[name] === after[name]) continue;
      if (before[name] === undefined) changes.push({ entry, name, change: `+${name} (${after[name]})` });
      else if (after[name] === undefined) changes.push({ entry, name, change: `-${name} (${before[name]})` });
      else changes.push({ entry, name, change: `${name}: ${before[name]} -> ${after[name]}` });
    }
  }
  return changes;
}

/** The text of CHANGELOG.md's Unreleased section. */
export function unreleasedChangelog(base = root) {
  const text = readFileSync(join(base, 'CHANGELOG.md'), 'utf8');
  const start = text.indexOf('## [Unreleased]');
  if (start < 0) return '';
  const next = text.indexOf('\n## [', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const current = listExports();
  if (process.argv.includes('--write')) {
    writeFileSync(BASELINE, `${JSON.stringify(current, null, 2)}\n`);
    console.log(`public-api: wrote ${BASELINE}`);
  } else {
    for (const [entry, names] of Object.entries(current)) console.log(`${entry}: ${Object.keys(names).length} names`);
    const baseline = JSON.parse(readFileSync(BASELINE, 'utf8'));
    for (const { entry, change } of diffExports(baseline, current)) console.log(`${entry} ${change}`);
  }
}
