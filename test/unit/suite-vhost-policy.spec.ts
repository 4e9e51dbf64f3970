/**
 * Which e2e suites run in a vhost of their own (test/support/vhost/policy.ts), and the vhost a suite's
 * broker URL names (brokerVhost).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTED_OUT, optOutReason } from '../support/vhost/policy.js';
import { brokerVhost } from '../support/broker-url.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the e2e suites on a vhost of their own', () => {
  it('every e2e suite is on one unless opted out', () => {
    expect(optOutReason('test/e2e/channel/messages.e2e.spec.ts')).toBeUndefined();
    expect(optOutReason('test/e2e/nest/server/default-queue.spec.ts')).toBeUndefined();
    expect(optOutReason('test/e2e/nest/secrets/redaction.spec.ts')).toMatch(/user/);
  });

  it('leaves alone what is not an e2e suite (unit tests, *.faults.ts)', () => {
    expect(optOutReason('test/unit/errors.spec.ts')).toBe('not an e2e suite');
    expect(optOutReason('test/e2e/support/app-stop.faults.ts')).toBe('not an e2e suite');
  });

  it('opts out only suites that exist, each with a reason', () => {
    for (const [path, reason] of OPTED_OUT) {
      expect(existsSync(join(root, path))).toBe(true);
      expect(reason.length).toBeGreaterThan(10);
    }
  });
});

describe('brokerVhost', () => {
  const saved = process.env['AMQP_URL'];
  afterEach(() => {
    if (saved === undefined) delete process.env['AMQP_URL'];
    else process.env['AMQP_URL'] = saved;
  });

  it('is / when the URL names no vhost, or names / itself', () => {
    for (const url of ['amqp://guest:guest@127.0.0.1:5672', 'amqp://guest:guest@127.0.0.1:5672/', 'amqp://h/%2F']) {
      process.env['AMQP_URL'] = url;
      expect(brokerVhost()).toBe('/');
    }
  });

  it("is the URL's vhost, decoded", () => {
    process.env['AMQP_URL'] = 'amqp://guest:guest@127.0.0.1:5672/e2e-1.a%2Fb';
    expect(brokerVhost()).toBe('e2e-1.a/b');
  });
});
