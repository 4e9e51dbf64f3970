/** `npm run test:tls`: SASL EXTERNAL against a TLS RabbitMQ node it starts (not part of `npm test`). */
import base from '../../jest.config.js';

export default {
  ...base,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/tls/**/*.tls.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
};
