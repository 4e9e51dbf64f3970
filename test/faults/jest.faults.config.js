/** `npm run test:faults`: the full outage and network-fault suites (a proxy in front of the shared broker; not in `npm test`). */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/faults/**/*.faults.ts'],
  testTimeout: 90_000,
  maxWorkers: 1,
};
