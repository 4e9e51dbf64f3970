/** Jest 30 in native ESM mode (NODE_OPTIONS=--experimental-vm-modules), TypeScript through @swc/jest. */
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
  testEnvironment: 'node',
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
  globalSetup: '<rootDir>/test/bystander/global-setup.mjs',
  globalTeardown: '<rootDir>/test/bystander/global-teardown.mjs',
  // Two workers: every e2e suite declares names of its own (or a vhost of its own), asserts only on
  // its own queues and connections, and most of a suite's time is waiting (broker round trips,
  // rabbitmqctl's VM boots, recovery back-offs), so two suites share the 2 cores well. Broker-wide
  // changes (alarms, stop_app) are `*.faults.ts` on a private node, outside `npm test`.
  maxWorkers: 2,
  // it.concurrent (the docs snippets, each a child process): three at a time.
  maxConcurrency: 3,
};
