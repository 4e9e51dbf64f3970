#!/usr/bin/env node
// Runs the Nest-layer suites on Nest 11: copies this checkout (without dist, .git) into a temporary
// directory, with node_modules (installed here from the lockfile) as hard links, which takes seconds
// where `npm ci` takes a minute, then installs the Nest 11 line over it (not saved: npm replaces
// package folders rather than writing into files, and the shared hidden lockfile is unlinked first),
// then runs the transport unit tests and test/e2e/nest there (but for the suites of broker behaviour,
// BROKER_SUBJECT), and the CommonJS package app
// (scripts/test-package.mjs --cjs-only) with the tarball packed here (or `--tarball <file>`, one
// packed already, as CI does once for this and test:package), built against Nest 12 as it is
// published. `--isolated` runs the suites in a network namespace of their own against a RabbitMQ node
// of their own (scripts/isolated.mjs), as CI does while npm test and test:rabbitmq4 run the same
// suites (with the same fixed proxy ports) beside it. The temporary directory is removed afterwards,
// pass or fail.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { tarball: { type: 'string' }, isolated: { type: 'boolean' } },
});
if (args.tarball !== undefined && !existsSync(args.tarball))
  throw new Error(`[nest11] --tarball ${args.tarball}: no such file`);

/** The Nest 11 line: versions published together. */
const NEST11 = [
  '@nestjs/common@11.2.10',
  '@nestjs/core@11.2.10',
  '@nestjs/microservices@11.2.6',
  '@nestjs/testing@11.2.6',
  '@nestjs/platform-express@11.2.10',
  '@nestjs/terminus@11.1.1',
];

/**
 * Nest-layer suites left out here: their subject is what the broker does with a message (dead-letter
 * replay, streams, poison messages, retry queues, byte bounds, a consumer the broker cancels, queue
 * argument mismatches), which Nest's version does not change; they run on Nest 12 (npm test) and on
 * RabbitMQ 4. The pipeline's suites that go through Nest's own handler plumbing (error policies and
 * exception filters, RPC replies, batches) run here.
 */
const BROKER_SUBJECT = [
  'consumer-pipeline/dead-letter-replay',
  'consumer-pipeline/stream',
  'consumer-pipeline/poison-messages',
  'consumer-pipeline/broker-retry',
  'consumer-pipeline/byte-bound',
  'consumer-pipeline/consumer-healing',
  'consumer-pipeline/queue-mismatch',
];

const root = resolve(import.meta.dirname, '..');
const skipped = new Set(['node_modules', 'dist', '.git', '.tmp', 'coverage']); // node_modules: linked below
const work = mkdtempSync(join(tmpdir(), 'amqp-transport-nest11-'));
const checkout = join(work, 'checkout');
const packs = join(work, 'packs');
const started = Date.now();

/** Runs a command (output shown, or kept and shown on failure when `quiet`); resolves to its stdout when `quiet`. */
function run(command, args, options = {}) {
  const { quiet = false, ...spawnOptions } = options;
  const label = `${command} ${args.join(' ')}`;
  console.log(`[nest11] ${label}`);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: checkout, stdio: quiet ? 'pipe' : 'inherit', ...spawnOptions });
    let stdout = '';
    let output = '';
    child.stdout?.on('data', (chunk) => ((stdout += chunk), (output += chunk)));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (code === 0) return done(stdout);
      if (quiet) console.error(output);
      fail(new Error(`[nest11] "${label}" failed (exit ${code ?? signal})`));
    });
  });
}

function microservicesVersion(dir) {
  return JSON.parse(readFileSync(join(dir, 'node_modules/@nestjs/microservices/package.json'), 'utf8'))
    .version;
}

let failed = false;
try {
  cpSync(root, checkout, {
    recursive: true,
    filter: (source) => !(skipped.has(basename(source)) && resolve(source, '..') === root),
  });
  mkdirSync(packs);
  // The package as published (built here against Nest 12), packed while the copy installs.
  const packed =
    args.tarball !== undefined
      ? Promise.resolve(JSON.stringify([{ filename: resolve(args.tarball) }]))
      : run('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', packs], {
          cwd: root,
          quiet: true,
        });
  packed.catch(() => undefined); // awaited below; not an unhandled rejection if an install fails first
  const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  const ownVersion = microservicesVersion(root);
  await run('cp', ['-al', join(root, 'node_modules'), join(checkout, 'node_modules')]);
  // npm rewrites its hidden lockfile in place: unlink the copy's so the original is never written.
  rmSync(join(checkout, 'node_modules', '.package-lock.json'), { force: true });
  await run('npm', ['install', '--no-save', ...npmFlags, ...NEST11]);
  const version = microservicesVersion(checkout);
  if (!version.startsWith('11.'))
    throw new Error(`[nest11] @nestjs/microservices ${version} installed, not 11`);
  if (microservicesVersion(root) !== ownVersion)
    throw new Error("[nest11] this checkout's own node_modules changed");
  console.log(`[nest11] @nestjs/microservices ${version}`);
  await run('node', ['scripts/ensure-broker.mjs']);
  // Jest's transform cache is keyed by the root directory, a new one each run: kept in the temporary
  // directory, it goes with it (swc re-transforms the copy's files in well under a second of CPU).
  const cache = ['--cacheDirectory', join(work, 'jest-cache')];
  const skip = BROKER_SUBJECT.flatMap((path) => ['--testPathIgnorePatterns', path]);
  const jest = ['npx', 'jest', '--maxWorkers=2', ...cache, 'test/unit/transport', 'test/e2e/nest', ...skip];
  const isolated = ['scripts/isolated.mjs', '--broker', 'rabbitnest11', '--', ...jest];
  await run(args.isolated ? process.execPath : jest[0], args.isolated ? isolated : jest.slice(1), {
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
  });
  const tarball = resolve(packs, JSON.parse(await packed)[0].filename);
  await run('node', ['scripts/test-package.mjs', '--cjs-only', '--tarball', tarball]);
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? error.message : error);
} finally {
  rmSync(work, { recursive: true, force: true });
  console.log(`[nest11] ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exitCode = failed ? 1 : 0;
