#!/usr/bin/env node
// Builds dist/ from lib/ in both module formats, then the entry points package.json `exports` names:
//
//   dist/esm/    ES modules (tsconfig.build.json; the root package.json says "type": "module")
//   dist/cjs/    CommonJS (tsconfig.build.cjs.json; dist/cjs/package.json says "type": "commonjs"), from
//                the same sources: a module with a `<name>.cjs.ts` variant beside it (own-require) is
//                compiled from that variant, whose output then takes the plain name
//   dist/entry/  one small face per entry point and format (`<entry>.mjs`, `<entry>.cjs`), the files
//                `exports` points to: the first copy of the package a process loads (ESM or CommonJS)
//                hands its exports to the other, so one set of classes serves both (docs/compatibility.md,
//                "One copy per process")
//
// A build that finds dist/ made from exactly these inputs (lib/, this script, package.json, the
// tsconfigs, the TypeScript version: a hash of them, with the list of files it wrote, kept in
// .tmp/build-stamp.json) does nothing: `npm pack` and the pack-content test (whose `npm pack
// --dry-run` runs prepack) after a build cost no second compile. `--force` builds anyway.
//
// Each build carries its own declarations (`.d.ts` read as ESM under dist/esm, as CommonJS under
// dist/cjs). The entry points are read from `exports`: an entry `./x` has `dist/esm/x/index.d.ts` (or
// `dist/esm/index.d.ts` for `.`) as its import types and lib/x/index.ts as its source.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The entry points: `{ name: './protocol', impl: 'protocol/index.js', face: 'protocol' }`. */
function entries() {
  return Object.entries(manifest.exports)
    .filter(([name]) => name !== './package.json')
    .map(([name, conditions]) => {
      const types = /^\.\/dist\/esm\/(.+)\.d\.ts$/.exec(conditions.import?.types ?? '');
      const face = /^\.\/dist\/entry\/(.+)\.mjs$/.exec(conditions.import?.default ?? '');
      if (types === null || face === null)
        throw new Error(
          `exports["${name}"]: expected import.types ./dist/esm/<x>.d.ts and import.default ./dist/entry/<y>.mjs`,
        );
      const expected = {
        types: `./dist/cjs/${types[1]}.d.ts`,
        default: `./dist/entry/${face[1]}.cjs`,
      };
      if (JSON.stringify(conditions.require) !== JSON.stringify(expected))
        throw new Error(`exports["${name}"].require must be ${JSON.stringify(expected)}`);
      return { name, impl: `${types[1]}.js`, face: face[1] };
    });
}

function tscBuild(project) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done() : fail(new Error(`tsc -p ${project} failed (exit ${code})`)),
    );
  });
}

function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** In dist/cjs, `x.cjs.js` (and its map and declarations) replaces `x.js`: the name the other modules require. */
function promoteCjsVariants() {
  for (const path of walk(join(dist, 'cjs'))) {
    const variant = /^(.*)\.cjs\.(js|js\.map|d\.ts|d\.ts\.map)$/.exec(path);
    if (variant === null) continue;
    const [, base, kind] = variant;
    const name = base.slice(base.lastIndexOf('/') + 1);
    let text = readFileSync(path, 'utf8');
    if (kind.endsWith('.map')) {
      const map = JSON.parse(text);
      map.file = `${name}.${kind.slice(0, -'.map'.length)}`;
      text = JSON.stringify(map);
    } else {
      text = text.replace(
        `//# sourceMappingURL=${name}.cjs.${kind}.map`,
        `//# sourceMappingURL=${name}.${kind}.map`,
      );
    }
    writeFileSync(`${base}.${kind}`, text);
    rmSync(path);
  }
}

/** What a CommonJS module cannot parse or run must not be in the CommonJS build. */
function checkCjs() {
  const offenders = walk(join(dist, 'cjs'))
    .filter((path) => path.endsWith('.js'))
    .filter((path) => {
      const code = readFileSync(path, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      return /\bimport\.meta\b|^\s*(import|export)\s/m.test(code);
    });
  if (offenders.length > 0)
    throw new Error(
      `ES module syntax in the CommonJS build: ${offenders.map((path) => relative(root, path)).join(', ')}`,
    );
}

/** The registry both faces of every entry share: one record per package version and process (realm). */
function registry(format, ownEntries) {
  return `const key = Symbol.for(${JSON.stringify(`${manifest.name}@${manifest.version}`)});
const copy = (globalThis[key] ??= { format: ${JSON.stringify(format)}, entries: new Map() });
if (copy.format === ${JSON.stringify(format)}) {
${ownEntries.map(([name, load]) => `  if (!copy.entries.has(${JSON.stringify(name)})) copy.entries.set(${JSON.stringify(name)}, ${load});`).join('\n')}
}
function exportsOf(entry, own) {
  const load = copy.entries.get(entry);
  if (load !== undefined) return load();
  process.emitWarning(
    \`${manifest.name}: "\${entry}" was reached as ${format === 'cjs' ? 'CommonJS' : 'an ES module'} after the \${copy.format === 'cjs' ? 'CommonJS' : 'ES module'} copy, which has not loaded it and cannot load it here; this entry point uses its own classes (see docs/compatibility.md, "One copy per process")\`,
    { code: 'NESTJS_AMQP_TRANSPORT_TWO_COPIES' },
  );
  return own();
}`;
}

const BANNER =
  '// Generated by scripts/build.mjs: the entry point `exports` names. See docs/compatibility.md, "One copy per process".';

/**
 * The CommonJS face registers a loader for every entry (require is lazy and runs in this face's
 * realm, Jest's module registry included), so an ES module copy loaded later can be handed any of them.
 */
function cjsFace(entry, all) {
  const loads = all.map((other) => [other.name, `() => require(${JSON.stringify(`../cjs/${other.impl}`)})`]);
  return `'use strict';
${BANNER}
${registry('cjs', loads)}
module.exports = exportsOf(${JSON.stringify(entry.name)}, () => require(${JSON.stringify(`../cjs/${entry.impl}`)}));
`;
}

/**
 * The ES module face can only hand out what it imported statically (an ES module cannot load
 * another synchronously): its own entry, and the entries that entry already contains.
 */
function esmFace(entry, names, contained) {
  const imports = [entry, ...contained].map(
    (other, index) => `import * as own${index} from '../esm/${other.impl}';`,
  );
  const loads = [entry, ...contained].map((other, index) => [other.name, `() => own${index}`]);
  return `${imports.join('\n')}
${BANNER}
${registry('esm', loads)}
const api = exportsOf(${JSON.stringify(entry.name)}, () => own0);
export const { ${names.join(', ')} } = api;
`;
}

/** A hash of everything the build reads. */
function inputsHash() {
  const hash = createHash('sha256');
  const inputs = [
    ...walk(join(root, 'lib')),
    ...readdirSync(root).filter((name) => /^tsconfig.*\.json$/.test(name)).map((name) => join(root, name)),
    join(root, 'package.json'),
    join(root, 'scripts', 'build.mjs'),
    join(root, 'node_modules', 'typescript', 'package.json'),
  ].sort();
  for (const path of inputs) hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update('\0');
  return hash.digest('hex');
}

/** dist/'s files with their sizes: a stamp holds only while dist/ is what the build left. */
function outputs() {
  return existsSync(dist) ? walk(dist).map((path) => `${relative(dist, path)} ${statSync(path).size}`).sort() : [];
}

const stampFile = join(root, '.tmp', 'build-stamp.json');
const inputs = inputsHash();
if (!process.argv.includes('--force') && existsSync(stampFile)) {
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  if (stamp.inputs === inputs && JSON.stringify(stamp.outputs) === JSON.stringify(outputs())) {
    console.error('build: dist/ was built from these sources already (.tmp/build-stamp.json); nothing to do');
    process.exit(0);
  }
}

const started = Date.now();
const all = entries();
const cjsConfig = JSON.parse(readFileSync(join(root, 'tsconfig.build.cjs.json'), 'utf8'));
for (const entry of all) {
  const source = `lib/${entry.impl.replace(/\.js$/, '.ts')}`;
  if (!existsSync(join(root, source))) throw new Error(`exports["${entry.name}"]: no ${source}`);
  if (!cjsConfig.files.includes(source))
    throw new Error(`tsconfig.build.cjs.json: "files" must list ${source}`);
}
rmSync(stampFile, { force: true });
rmSync(dist, { recursive: true, force: true });
await Promise.all([tscBuild('tsconfig.build.json'), tscBuild('tsconfig.build.cjs.json')]);
writeFileSync(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
promoteCjsVariants();
checkCjs();

mkdirSync(join(dist, 'entry'));
const namespaces = new Map();
for (const entry of all)
  namespaces.set(entry.name, await import(pathToFileURL(join(dist, 'esm', entry.impl)).href));
for (const entry of all) {
  const names = Object.keys(namespaces.get(entry.name));
  // Entries whose every export this entry also exports (`.` re-exports `./protocol`) come with it.
  const contained = all.filter(
    (other) =>
      other !== entry && Object.keys(namespaces.get(other.name)).every((name) => names.includes(name)),
  );
  writeFileSync(join(dist, 'entry', `${entry.face}.cjs`), cjsFace(entry, all));
  writeFileSync(join(dist, 'entry', `${entry.face}.mjs`), esmFace(entry, names, contained));
}
mkdirSync(join(root, '.tmp'), { recursive: true });
writeFileSync(stampFile, `${JSON.stringify({ inputs, outputs: outputs() })}\n`);
// On stderr: `npm pack --json` (prepack runs this) prints its JSON on stdout.
console.error(
  `build: dist/esm, dist/cjs and ${all.length * 2} entry faces in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
