/** Jest 30 in native ESM mode (NODE_OPTIONS=--experimental-vm-modules), TypeScript through @swc/jest. */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The run's id, in the names of the e2e suites' vhosts, and the registry where each suite records
// its vhost (test/support/vhost): set here, in the parent, so that every worker inherits them.
process.env['E2E_VHOST_RUN'] ??= randomBytes(4).toString('hex');
process.env['E2E_VHOST_REGISTRY'] ??= join(tmpdir(), `nestjs-amqp-transport-e2e-vhosts-${process.env['E2E_VHOST_RUN']}.jsonl`);

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  // The Node environment, which also deletes the suite's own vhost after its last afterAll hook.
  testEnvironment: '<rootDir>/test/support/vhost/environment.mjs',
  // Each e2e suite of test/support/vhost/policy.ts runs in a vhost of its own, made by the test
  // kit's createTestVhost: parallel workers never meet each other's queues, and nothing is left.
  setupFilesAfterEnv: ['<rootDir>/test/support/vhost/suite-vhost.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  // The consumer apps of test:package run their own tests with their own runners (ts-jest, Vitest).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/apps/'],
  testTimeout: 30000,
  // `npm test` leaves the broker's other users alone: it touches only its own queues, exchanges and
  // connections. A connection of "another app" stays open across the run and the teardown fails the
  // run if the broker closed it. Suites that change the broker for everybody are `*.faults.ts`
  // (`npm run test:faults`, against a private node).
  // The teardown also fails the run on a leftover of the e2e suites' vhosts (test/support/vhost/leftovers.mjs).
  globalSetup: '<rootDir>/test/support/vhost/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/vhost/global-teardown.mjs',
  // Three workers on a 2-core machine: every e2e suite runs in a vhost of its own (the few opted out
  // declare names of their own) and asserts only on its own queues and connections, and much of a
  // suite's time is waiting (broker round trips, rabbitmqctl's VM boots, recovery back-offs). Quiet,
  // the whole run took 296 s on two workers and 235 s on three, all green. Broker-wide changes
  // (alarms, stop_app) are `*.faults.ts` on a private node, outside `npm test`.
  maxWorkers: 3,
  // it.concurrent (the docs snippets, each a child process): three at a time.
  maxConcurrency: 3,
};
