/** `npm run test:cluster`: the failover test against extra RabbitMQ nodes it starts (not part of `npm test`). */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/cluster/**/*.cluster.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
