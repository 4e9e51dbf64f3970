#!/usr/bin/env node
// The packed package as applications use it. Packs this checkout (or takes `--tarball <file>`), then,
// in a temporary directory, installs the tarball with the Nest this checkout has installed (the same
// versions, from the npm cache when it has them), and for a CommonJS app (test/package/cjs: tsc,
// module commonjs) and an ESM app (test/package/esm: module nodenext, "type": "module"), both built
// from test/package/app: compiles it with tsc and runs it against the broker (RPC, an event, a
// @QueueConsumer; it exits 0 when all came through). The CommonJS app's sources are also
// type-checked under moduleResolution node16, nodenext and node10, and a plain CommonJS script
// require()s both entry points. `--cjs-only` leaves the ESM app out. The temporary directory is
// removed afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { tarball: { type: 'string' }, 'cjs-only': { type: 'boolean' } },
});
const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'package');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'amqp-transport-package-'));
const started = Date.now();

/** Runs a command, then prints its label, time and output together (steps may run side by side). */
function run(command, commandArgs, options = {}) {
  const { timeout = 60_000, ...spawnOptions } = options;
  const label = `${command === process.execPath ? 'node' : command} ${commandArgs.join(' ')}`;
  const where = spawnOptions.cwd ? ` (in ${spawnOptions.cwd.slice(work.length + 1) || '.'})` : '';
  const stepStarted = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(command, commandArgs, { cwd: work, ...spawnOptions });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk) => ((stdout += chunk), (output += chunk)));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill(), timeout);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = ((Date.now() - stepStarted) / 1000).toFixed(1);
      console.log(`[package] ${label}${where}: ${seconds} s`);
      if (output.trim() !== '') console.log(output.trim().replace(/^/gm, '  '));
      if (code === 0) done(stdout);
      else fail(new Error(`"${label}" failed (exit ${code ?? signal})`));
    });
  });
}

/** The version of a package installed in this checkout, read beside its entry (Nest 12 does not export package.json). */
function installed(name) {
  return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
}

async function tarball() {
  if (args.tarball !== undefined) return resolve(args.tarball);
  // `npm pack` runs prepack (the build) first.
  const out = await run('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', work], {
    cwd: root,
    timeout: 120_000,
  });
  return join(work, JSON.parse(out)[0].filename);
}

/** Copies an app's package.json and tsconfig.json, and the shared app sources into its src/. */
function prepareApp(kind) {
  const dir = join(work, kind);
  mkdirSync(join(dir, 'src'), { recursive: true });
  cpSync(join(fixtures, kind), dir, { recursive: true });
  for (const file of readdirSync(join(fixtures, 'app')))
    cpSync(join(fixtures, 'app', file), join(dir, 'src', file));
  return dir;
}

async function runApp(kind, dir) {
  await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, timeout: 120_000 });
  // The app must really be what it claims: require() calls in the CommonJS build, imports in the ESM one.
  const main = readFileSync(join(dir, 'dist', 'main.js'), 'utf8');
  const loads = kind === 'cjs' ? /require\("nestjs-amqp-transport"\)/ : /from 'nestjs-amqp-transport'/;
  if (!loads.test(main))
    throw new Error(
      `the ${kind} app's dist/main.js does not load the package as ${kind === 'cjs' ? 'CommonJS' : 'ESM'}`,
    );
  const env = { ...process.env, PACKAGE_APP_SUFFIX: `${kind}.${randomBytes(4).toString('hex')}` };
  const out = await run(process.execPath, ['dist/main.js'], { cwd: dir, env, timeout: 30_000 });
  if (!out.includes('package app ok')) throw new Error(`the ${kind} app exited without its success line`);
}

/** The CommonJS app's sources under the other resolutions a CommonJS TypeScript app may use. */
async function typeCheckCjsResolutions(dir) {
  const variants = {
    node16: { module: 'node20', moduleResolution: 'node16' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    node10: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
  };
  for (const [name, options] of Object.entries(variants)) {
    const config = { extends: './tsconfig.json', compilerOptions: { ...options, noEmit: true } };
    writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify(config));
    await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: dir, timeout: 120_000 });
  }
}

/** Waits for every promise (no step left running unseen), then fails with the first failure. */
async function settleAll(promises) {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

let failed = false;
try {
  const packed = await tarball();
  const kinds = args['cjs-only'] ? ['cjs'] : ['cjs', 'esm'];
  const apps = kinds.map((kind) => [kind, prepareApp(kind)]);
  // One install for both apps (they sit below it); the package's peers at this checkout's versions.
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'package-apps', private: true }));
  const peers = [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/microservices',
    'reflect-metadata',
    'rxjs',
    '@types/node',
  ];
  const specs = peers.map((name) => `${name}@${installed(name)}`);
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', packed, ...specs],
    { timeout: 120_000 },
  );
  await run(
    process.execPath,
    [
      '-e',
      "const m = require('nestjs-amqp-transport'); const p = require('nestjs-amqp-transport/protocol');" +
        "if (typeof m.ServerAMQP !== 'function' || typeof p.Connection !== 'function') process.exit(1);" +
        "console.log('require() ok:', Object.keys(m).length, 'exports,', Object.keys(p).length, 'from /protocol')",
    ],
    { cwd: join(work, 'cjs') },
  );
  // Two lines side by side (the machine may have two cores): the apps one after the other, and the
  // type checks one after the other.
  await settleAll([
    (async () => {
      for (const [kind, dir] of apps) await runApp(kind, dir);
    })(),
    typeCheckCjsResolutions(join(work, 'cjs')),
  ]);
  console.log(`[package] Nest ${installed('@nestjs/microservices')}: ${kinds.join(' and ')} app(s) passed`);
} catch (error) {
  failed = true;
  console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  console.log(`[package] ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exitCode = failed ? 1 : 0;
