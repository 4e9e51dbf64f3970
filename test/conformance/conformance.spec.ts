/**
 * One suite of broker behaviours, run on the in-memory broker of `nestjs-amqp-transport/testing`
 * and on the real RabbitMQ at AMQP_URL (in a vhost of the suite's own, deleted afterwards). A
 * behaviour that passes on one and fails on the other is a fidelity bug of the in-memory broker.
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { InMemoryBroker, useTestVhost } from '../../lib/testing/index.js';
import { deliveryCases } from './cases/delivery.cases.js';
import { lifetimeCases } from './cases/lifetime.cases.js';
import { publishingCases } from './cases/publishing.cases.js';
import { routingCases } from './cases/routing.cases.js';
import { topologyCases } from './cases/topology.cases.js';
import { caseContext, type ConformanceCase } from './support.js';

export const CASES: ConformanceCase[] = [...routingCases, ...topologyCases, ...lifetimeCases, ...deliveryCases, ...publishingCases];

function runCases(url: () => string): void {
  for (const c of CASES) {
    it(c.name, async () => {
      const t = caseContext(url(), c.name);
      try {
        await c.run(t);
      } finally {
        await t.dispose();
      }
    });
  }
}

describe(`conformance (${CASES.length} behaviours): in-memory broker`, () => {
  let broker: InMemoryBroker;
  beforeAll(async () => {
    broker = await InMemoryBroker.start({ host: 'conformance' });
  });
  afterAll(async () => {
    await broker.stop();
  });
  runCases(() => broker.url());
});

describe(`conformance (${CASES.length} behaviours): RabbitMQ at AMQP_URL`, () => {
  const vhost = useTestVhost({ beforeAll, afterAll }, { prefix: 'conformance', url: process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672' });
  runCases(() => vhost.url);
});
