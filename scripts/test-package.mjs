#!/usr/bin/env node
// The packed package as applications use it. Packs this checkout (or takes `--tarball <file>`), then,
// in a temporary directory:
//
// - plain/: installs the tarball with the Nest this checkout has installed (the same versions, from
//   the npm cache when it has them); a CommonJS app (test/package/cjs: tsc, module commonjs) and an
//   ESM app (test/package/esm: module nodenext, "type": "module"), both built from test/package/app,
//   are compiled with tsc and run against the broker (RPC, an event, a @QueueConsumer; each exits 0
//   when all came through). The CommonJS app's sources are also type-checked under moduleResolution
//   node16, nodenext and node10, a plain CommonJS script require()s both entry points, and
//   test/package/hazard checks one copy per process (require then import, import then require).
// - three consumer apps, each installing the tarball and its own dependencies from the registry and
//   running its own test scripts against the broker (test/package/apps): nest11, shaped as `nest new`
//   makes it (CommonJS, Jest with ts-jest: `npm test` and `npm run test:e2e`); jest-esm, an ES module
//   Nest 12 app with Jest in native ESM mode; vitest, the same app with Vitest. The two ES module apps
//   take the Nest 11 app's src/ and test/ with `.js` added to relative imports; a file of an ES module
//   app's own (same name) replaces the shared one, e.g. a spec using its runner's fake timers. Each
//   app's orders spec runs one scenario on the in-memory broker and on the broker in a vhost of its
//   own (useTestVhost); afterwards no vhost of the run may be left (rabbitmqctl list_vhosts).
//
// - dlq/: the operator's command line from the installed package (`npx nestjs-amqp-transport dlq ...`)
//   against two letters the broker dead-lettered (test/package/dlq/letters.cjs, with the package's
//   CommonJS engine): `list` counts them, `peek` shows both naming the queue they failed in, a
//   `replay --dry-run` says it would replay both and leaves them where they are.
//
// `--cjs-only` runs the plain CommonJS app, its type checks and the dlq step only; `--dlq-only` the
// dlq step alone (after the install). The temporary directory is removed afterwards.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { tarball: { type: 'string' }, 'cjs-only': { type: 'boolean' }, 'dlq-only': { type: 'boolean' } },
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
    timeout: 300_000,
  });
  return join(work, JSON.parse(out)[0].filename);
}

const plain = join(work, 'plain');

/** Copies an app's package.json and tsconfig.json, and the shared app sources into its src/. */
function prepareApp(kind) {
  const dir = join(plain, kind);
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

/** test/package/hazard: the package reached by require() and by import in one process, both orders. */
async function runHazardChecks() {
  const dir = join(plain, 'hazard');
  cpSync(join(fixtures, 'hazard'), dir, { recursive: true });
  for (const script of ['cjs-first.cjs', 'esm-first.mjs'])
    await run(process.execPath, [script], { cwd: dir, timeout: 60_000 });
}

/** test/package/dlq: the installed package's bin (npx) over dead letters the broker made. */
async function runDlqCommandLine() {
  const dir = join(plain, 'dlq');
  cpSync(join(fixtures, 'dlq'), dir, { recursive: true });
  const queue = `package.dlq.${randomBytes(4).toString('hex')}`;
  const dlq = `${queue}.dlq`;
  const env = { ...process.env, NODE_OPTIONS: '', AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' };
  const letters = (action) => run(process.execPath, ['letters.cjs', action, queue], { cwd: dir, env, timeout: 30_000 });
  // --no: the bin of the package installed below plain/, never one fetched from the registry.
  const cli = (...cliArgs) => run('npx', ['--no', 'nestjs-amqp-transport', 'dlq', ...cliArgs], { cwd: dir, env, timeout: 60_000 });
  const expectOut = (out, expected, what) => {
    if (!expected.every((part) => out.includes(part)))
      throw new Error(`dlq ${what} printed ${JSON.stringify(out.trim())}, expected ${JSON.stringify(expected)}`);
  };
  await letters('seed');
  try {
    expectOut(await cli('list', dlq), [`${dlq}\t2\n`], 'list');
    const peek = (await cli('peek', dlq, '--count', '5')).trim().split('\n').map((line) => JSON.parse(line));
    const ids = peek.map((letter) => JSON.parse(letter.body).id);
    if (peek.length !== 2 || ids.join() !== 'letter-1,letter-2' || !peek.every((letter) => letter.failedQueue === queue))
      throw new Error(`dlq peek showed ${JSON.stringify(peek)}, expected letter-1 and letter-2 that failed in "${queue}"`);
    expectOut(await cli('replay', dlq, '--dry-run'), [`dry run: would replay 2 to their original queues and leave 0 in "${dlq}" (2 considered); nothing moved`], 'replay --dry-run');
    expectOut(await cli('list', dlq), [`${dlq}\t2\n`], 'list after the dry run');
    console.log(`[package] dlq command line: list, peek and a dry-run replay over 2 letters of ${dlq}`);
  } finally {
    await letters('delete');
  }
}

const apps = join(fixtures, 'apps');
/** Relative imports with `.js` added: the Nest 11 app's sources as an ES module app writes them. */
const withJsExtensions = (source) => source.replace(/(from '\.{1,2}\/[^']+?)(?<!\.js)'/g, "$1.js'");

/**
 * Copies a consumer app: nest11 as it is; for an ES module app, the Nest 11 app's sources (src/ and
 * test/, unit specs and main.ts left out) and then the app's own files, so a file of its own (say
 * test/orders.e2e-spec.ts with the runner's fake timers) replaces the shared one of that name, and
 * any other adds to them.
 */
function prepareConsumerApp(name) {
  const dir = join(work, name);
  if (name !== 'nest11') {
    for (const folder of ['src', 'test']) {
      mkdirSync(join(dir, folder), { recursive: true });
      for (const file of readdirSync(join(apps, 'nest11', folder))) {
        if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file === 'main.ts') continue;
        const source = readFileSync(join(apps, 'nest11', folder, file), 'utf8');
        writeFileSync(join(dir, folder, file), withJsExtensions(source));
      }
    }
  }
  cpSync(join(apps, name), dir, { recursive: true });
  return dir;
}

/** Installs a consumer app's dependencies and the tarball, from the registry (the npm cache first). */
function installConsumerApp(dir, packed) {
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', packed];
  return run('npm', args, { cwd: dir, timeout: 300_000 });
}

/**
 * Runs a consumer app's own test scripts, each with a suffix of its own for the broker names; then
 * checks that the vhosts its specs made (useTestVhost, named after the suffix) were deleted.
 */
async function testConsumerApp(name, dir) {
  const { scripts, format } = CONSUMER_APPS[name];
  const suffixes = [];
  for (const script of scripts) {
    const suffix = `${name}.${randomBytes(4).toString('hex')}`;
    suffixes.push(suffix);
    const env = { ...process.env, NODE_OPTIONS: '', PACKAGE_APP_SUFFIX: suffix, PACKAGE_APP_FORMAT: format };
    await run('npm', ['run', script, '--silent'], { cwd: dir, env, timeout: 180_000 });
  }
  const vhosts = (await run('rabbitmqctl', ['list_vhosts', '-q', '--no-table-headers'], { timeout: 120_000 })).split('\n');
  const left = vhosts.map((v) => v.trim()).filter((v) => suffixes.some((suffix) => v.includes(suffix)));
  if (left.length > 0) throw new Error(`the ${name} app's tests left vhost(s) on the broker: ${left.join(', ')}`);
}

/** Each consumer app's test scripts, and the build of the package it must run on. */
const CONSUMER_APPS = {
  nest11: { scripts: ['build', 'test', 'test:e2e'], format: 'cjs' },
  'jest-esm': { scripts: ['test:e2e'], format: 'esm' },
  vitest: { scripts: ['test:e2e'], format: 'esm' },
};

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
  const only = args['cjs-only'] || args['dlq-only'];
  const kinds = only ? ['cjs'] : ['cjs', 'esm'];
  const plainApps = kinds.map((kind) => [kind, prepareApp(kind)]);
  const consumerApps = only
    ? []
    : Object.keys(CONSUMER_APPS).map((name) => [name, prepareConsumerApp(name)]);
  // One install for both plain apps (they sit below it); the package's peers at this checkout's versions.
  writeFileSync(join(plain, 'package.json'), JSON.stringify({ name: 'package-apps', private: true }));
  const peers = [
    '@nestjs/common',
    '@nestjs/core',
    '@nestjs/microservices',
    'reflect-metadata',
    'rxjs',
    '@types/node',
  ];
  const specs = peers.map((name) => `${name}@${installed(name)}`);
  const plainLine = async () => {
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', packed, ...specs],
      { cwd: plain, timeout: 300_000 },
    );
    await run(
      process.execPath,
      [
        '-e',
        "const m = require('nestjs-amqp-transport'); const p = require('nestjs-amqp-transport/protocol');" +
          "if (typeof m.ServerAMQP !== 'function' || typeof p.Connection !== 'function') process.exit(1);" +
          "console.log('require() ok:', Object.keys(m).length, 'exports,', Object.keys(p).length, 'from /protocol')",
      ],
      { cwd: join(plain, 'cjs') },
    );
    await runDlqCommandLine();
    if (args['dlq-only']) return;
    for (const [kind, dir] of plainApps) await runApp(kind, dir);
    if (!args['cjs-only']) await runHazardChecks();
    await typeCheckCjsResolutions(join(plain, 'cjs'));
  };
  // Each consumer app installs as soon as the run starts (mostly waiting on the network) and tests
  // once installed. Side by side (the machine may have two cores): the plain apps, the one-copy
  // checks and the type checks; the Nest 11 app; the two ES module apps one after the other.
  const installs = new Map(consumerApps.map(([name, dir]) => [name, installConsumerApp(dir, packed)]));
  const testLine = async (names) => {
    for (const [name, dir] of consumerApps.filter(([app]) => names.includes(app))) {
      await installs.get(name);
      await testConsumerApp(name, dir);
    }
  };
  await settleAll([
    plainLine(),
    ...installs.values(),
    testLine(['nest11']),
    testLine(['jest-esm', 'vitest']),
  ]);
  if (args['dlq-only']) console.log('[package] dlq step passed');
  else console.log(`[package] Nest ${installed('@nestjs/microservices')}: ${kinds.join(' and ')} app(s) passed`);
  if (consumerApps.length > 0)
    console.log(`[package] consumer apps passed: ${consumerApps.map(([name]) => name).join(', ')}`);
} catch (error) {
  failed = true;
  console.error(`[package] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  console.log(`[package] ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exitCode = failed ? 1 : 0;
