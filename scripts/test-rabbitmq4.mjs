#!/usr/bin/env node
// `npm run test:rabbitmq4`: the suites that exercise the broker's behaviour (queues and their
// arguments, DLX and dead-letter queues, quorum and stream queues, RPC, recovery, the Nest layer end to
// end) against RabbitMQ 4.0 (Debian 13's 4.0.5 in a chroot, on 127.0.0.1:5790; see
// scripts/rabbitmq4-node.mjs), with the same Jest config as `npm test` (bystander connection
// included) and AMQP_URL / rabbitmqctl pointed at that node. The node is started before and stopped
// and deleted after, pass or fail. `-- --all` runs every e2e suite and the docs snippets as well
// (about twice as long); other arguments go to Jest instead of the default suites (e.g. one path).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './rabbitmq4-node.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');

/**
 * The default set: the test kit's conformance suite and app test (the in-memory broker held against
 * RabbitMQ 4 too), the engine's broker-facing e2e suites (channel, connection, recovery), and the Nest
 * layer's suites whose subject is what the broker does: the consumer pipeline (DLX, retry queues,
 * quorum delivery limits, streams, poison messages), RPC over direct reply-to (server, client), the
 * option objects of Nest's RMQ transport (queue arguments) and the wire interop with it. Left out (they
 * pass on 4.0.5 with `--all`, but add minutes to CI for no broker behaviour of their own): the module
 * wiring suites (test/e2e/nest/module: dependency injection over the same connections), secret
 * redaction in logs, the docs snippets (test/docs), telemetry, logging, outage, and the self-tests of
 * the test helpers (test/e2e/support).
 */
const SUITES = [
  'test/conformance',
  'test/testing',
  'test/e2e/channel',
  'test/e2e/connection',
  'test/e2e/recovery',
  'test/e2e/nest/consumer-pipeline',
  'test/e2e/nest/server',
  'test/e2e/nest/client',
  'test/e2e/nest/rmq-options',
  'test/e2e/nest/interop',
];
/**
 * Suites of the default set's folders left out of it (not of `--all`), each with what it is about: the
 * client's side, which the broker's version does not change (CI runs them on 3.10 in npm test).
 */
const CLIENT_SIDE = [
  ['test/e2e/nest/consumer-pipeline/byte-bound-memory', "the process's memory under the byte bound (its prefetch updates run in byte-bound)"],
  ['test/e2e/nest/rmq-options/server-options-parity', "ServerAMQP's reading of Nest's server options against ServerRMQ's (the broker sees them in the interop matrix)"],
  ['test/e2e/nest/rmq-options/client-options-parity', "ClientAMQP's reading of Nest's client options against ClientRMQ's (the same)"],
];
const ALL = ['test/e2e', 'test/docs'];

/**
 * Suites that do not run here, each with the reason (a path and why; keep it narrow). None today:
 * every suite of the default set and of `--all` runs on 4.0.5.
 */
const EXCLUDED = [];

const started = Date.now();
const given = process.argv.slice(2);
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
if (!existsSync(jest)) throw new Error('jest is not installed: run npm ci first');
for (const [path, reason] of EXCLUDED) console.log(`test:rabbitmq4: not run: ${path} (${reason})`);
const skipped = given.length === 0 ? [...EXCLUDED, ...CLIENT_SIDE] : EXCLUDED;
if (given.length === 0) for (const [path, about] of CLIENT_SIDE) console.log(`test:rabbitmq4: not in the default set: ${path} (${about}; --all runs it)`);
const args = [
  jest,
  ...(given.length === 0 ? SUITES : given[0] === '--all' ? [...ALL, ...given.slice(1)] : given),
  ...skipped.flatMap(([path]) => ['--testPathIgnorePatterns', path]),
  // A suite that timed out can leave a connection to the node open, and Jest would then wait
  // forever: the node is stopped right after, so end the run with the results.
  '--forceExit',
];
const code = await run([process.execPath, ...args], { NODE_OPTIONS: '--experimental-vm-modules' });
console.log(`test:rabbitmq4: exit ${code} after ${Math.round((Date.now() - started) / 1000)} s`);
process.exitCode = code;
