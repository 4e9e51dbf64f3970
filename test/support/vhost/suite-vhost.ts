/**
 * Jest `setupFilesAfterEnv`: gives each e2e suite (see policy.ts for which) a vhost of its own on the
 * broker of AMQP_URL, made by the test kit's createTestVhost, and points AMQP_URL at it before the
 * suite's own modules are evaluated (brokerUrl(), the TCP proxy's url() and the rabbitmqctl queue
 * helpers then all follow it). The vhost is deleted with everything in it after the suite's last
 * afterAll (environment.mjs). Each suite is recorded in the run's registry (registry.ts), which the
 * globalTeardown checks for leftovers.
 */
import { expect } from '@jest/globals';
import { relative } from 'node:path';
import { createTestVhost } from '../../../lib/testing/index.js';
import { optOutReason } from './policy.js';
import { recordSuite } from './registry.js';

const DISPOSE_KEY = Symbol.for('nestjs-amqp-transport.suite-vhost.dispose');

const testPath = expect.getState().testPath;
if (testPath !== undefined && testPath !== null) {
  const path = relative(process.cwd(), testPath).split('\\').join('/');
  const reason = optOutReason(path);
  if (reason === undefined) {
    const slug = path.replace(/^test\/e2e\//, '').replace(/\.spec\.ts$/, '').replace(/[^A-Za-z0-9]+/g, '.');
    const vhost = await createTestVhost({ prefix: `e2e-${process.env['E2E_VHOST_RUN'] ?? 'run'}-${slug}` });
    process.env['AMQP_URL'] = vhost.url;
    (globalThis as Record<symbol, unknown>)[DISPOSE_KEY] = () => vhost.dispose();
    recordSuite({ path, testPath, vhost: vhost.name, pid: process.pid });
  } else if (reason !== 'not an e2e suite') {
    recordSuite({ path, testPath, optedOut: reason, pid: process.pid });
  }
}
