#!/usr/bin/env node
// Runs the Nest-layer suites on Nest 11: copies this checkout (without node_modules, dist, .git) into
// a temporary directory, installs from the lockfile, installs the Nest 11 line over it (not saved),
// then runs the transport unit tests and test/e2e/nest there, and the CommonJS package app
// (test/package) on Nest 11. The temporary directory is removed afterwards, pass or fail.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** The Nest 11 line, versions that belong together (11.2 of common/core/platform, 11.2 of the rest). */
export const NEST11 = [
  '@nestjs/common@11.2.10',
  '@nestjs/core@11.2.10',
  '@nestjs/microservices@11.2.6',
  '@nestjs/testing@11.2.6',
  '@nestjs/platform-express@11.2.10',
  '@nestjs/terminus@11.1.1',
];

const root = resolve(import.meta.dirname, '..');
const skipped = new Set(['node_modules', 'dist', '.git', '.tmp', 'coverage']);
const work = mkdtempSync(join(tmpdir(), 'amqp-transport-nest11-'));
const started = Date.now();

function run(command, args, options = {}) {
  const label = `${command} ${args.join(' ')}`;
  console.log(`\n[nest11] ${label}`);
  const result = spawnSync(command, args, { cwd: work, stdio: 'inherit', ...options });
  if (result.status !== 0)
    throw new Error(`[nest11] "${label}" failed (exit ${result.status ?? result.signal})`);
}

let failed = false;
try {
  cpSync(root, work, {
    recursive: true,
    filter: (source) => source === root || !(skipped.has(basename(source)) && resolve(source, '..') === root),
  });
  const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  run('npm', ['ci', ...npmFlags]);
  run('npm', ['install', '--no-save', ...npmFlags, ...NEST11]);
  run('node', [
    '-e',
    "console.log('[nest11] @nestjs/microservices', require('@nestjs/microservices/package.json').version)",
  ]);
  run('node', ['scripts/ensure-broker.mjs']);
  run('npx', ['jest', 'test/unit/transport', 'test/e2e/nest'], {
    env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
  });
  run('node', ['scripts/test-package.mjs', '--cjs-only']);
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? error.message : error);
} finally {
  rmSync(work, { recursive: true, force: true });
  console.log(`\n[nest11] ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exitCode = failed ? 1 : 0;
