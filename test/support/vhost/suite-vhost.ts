/**
 * Jest `setupFilesAfterEnv`: gives each e2e suite (see policy.ts for which) a vhost of its own on the
 * broker of AMQP_URL, taken from the run's pool (vhost-pool.ts: made and deleted in batches), with
 * every permission for AMQP_URL's user, and points AMQP_URL at it before the
 * suite's own modules are evaluated (brokerUrl(), the TCP proxy's url() and the rabbitmqctl queue
 * helpers then all follow it). After the suite's last afterAll (environment.mjs) the vhost is
 * released, and deleted with everything in it together with the pool's other finished ones. Each suite is recorded in the run's registry (registry.ts), which the
 * globalTeardown checks for leftovers.
 */
import { expect } from '@jest/globals';
import { relative } from 'node:path';
import { optOutReason } from './policy.js';
import { recordSuite } from './registry.js';
import { releaseVhost, takeVhost } from './vhost-pool.js';

const DISPOSE_KEY = Symbol.for('nestjs-amqp-transport.suite-vhost.dispose');

const testPath = expect.getState().testPath;
if (testPath !== undefined && testPath !== null) {
  const path = relative(process.cwd(), testPath).split('\\').join('/');
  const reason = optOutReason(path);
  if (reason === undefined) {
    const url = new URL(process.env['AMQP_URL'] ?? 'amqp://guest:guest@localhost:5672');
    const vhost = await takeVhost(decodeURIComponent(url.username || 'guest'));
    url.pathname = `/${encodeURIComponent(vhost)}`;
    process.env['AMQP_URL'] = url.href;
    (globalThis as Record<symbol, unknown>)[DISPOSE_KEY] = () => releaseVhost(vhost);
    recordSuite({ path, testPath, vhost, pid: process.pid });
  } else if (reason !== 'not an e2e suite') {
    recordSuite({ path, testPath, optedOut: reason, pid: process.pid });
  }
}
