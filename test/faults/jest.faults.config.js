/**
 * `npm run test:faults` (not in `npm test`): the suites that would disturb everybody on a shared
 * broker, named `*.faults.ts` (under test/faults/, and beside the e2e suites they belong to): long
 * outages and frozen links through a TCP proxy, stop_app/start_app, memory alarms, users. They run
 * against a private RabbitMQ node the run starts and deletes (127.0.0.1:5760 by default; see
 * private-node.ts), never against the broker on 5672: globalSetup points AMQP_URL, the TCP proxy's
 * default target and rabbitmqctl (RABBITMQ_NODENAME) at it.
 */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/**/*.faults.ts'],
  globalSetup: '<rootDir>/test/faults/global-setup.mjs',
  globalTeardown: '<rootDir>/test/faults/global-teardown.mjs',
  testTimeout: 90_000,
  maxWorkers: 1,
};
