/**
 * `npm start` end to end: the sample app (sample/main.ts) runs against the real broker, prints what
 * it received and exits 0 by itself. It runs with unique queue/exchange names, removed afterwards.
 */
import { describe, it, expect, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { openAdmin, uniqueName } from '../client/support.js';

const names = {
  SAMPLE_RPC_QUEUE: uniqueName('sample-rpc'),
  SAMPLE_TEST_QUEUE: uniqueName('sample-test'),
  SAMPLE_ORDERS_EXCHANGE: uniqueName('sample-orders'),
};

function runSample(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'sample/main.ts'],
      { env: { ...process.env, ...names, NODE_OPTIONS: '' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
    );
  });
}

describe('the sample app', () => {
  afterAll(async () => {
    const admin = await openAdmin();
    await admin.deleteQueues(names.SAMPLE_RPC_QUEUE, names.SAMPLE_TEST_QUEUE);
    await admin.deleteExchanges(names.SAMPLE_ORDERS_EXCHANGE);
    await admin.close();
  });

  it('publishes, consumes, answers RPCs over AMQP and HTTP, and exits 0 by itself', async () => {
    const { code, stdout, stderr } = await runSample();
    expect(stderr).not.toContain('sample failed');
    expect(code).toBe(0);
    for (let n = 1; n <= 3; n += 1) {
      expect(stdout).toContain(`received via queue ${names.SAMPLE_TEST_QUEUE} (routing key ${names.SAMPLE_TEST_QUEUE}): {"n":${n}`);
    }
    expect(stdout).toContain(`received via queue ${names.SAMPLE_TEST_QUEUE} (routing key orders.created): {"id":"order-1"}`);
    expect(stdout).toContain('received via event order.created: {"id":"order-2"}');
    expect(stdout).toContain('RPC sum([1,2,3,4]) via ClientAMQP = 10');
    expect(stdout).toContain('GET /sum?numbers=10,20,30 = 60');
    expect(stdout).toContain('closed');
  }, 90_000);
});
