/**
 * Nothing confirmed is lost while the broker's app is stopped and started (which drops every
 * connection on the broker): `npm run test:faults`, against a private node.
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueName, withAppStopped } from './broker-control.js';
import { nextRecovery, publishThroughFaults, type FaultRunReport } from './publish-through-faults.js';

function print(title: string, report: FaultRunReport): void {
  const { failures, ...figures } = report;
  console.log(
    `${title}: ${JSON.stringify(figures)}${failures.length > 0 ? `\nfailures: ${failures.join('; ')}` : ''}`,
  );
}

describe('confirmed publishes survive the broker app stopping', () => {
  it('durable queue, persistent messages, broker app stopped and started 2 times: none lost', async () => {
    const report = await publishThroughFaults({
      queue: uniqueName('rec-stopapp-q'),
      publisherName: uniqueName('rec-pub'),
      consumerName: uniqueName('rec-con'),
      total: 20_000,
      ratePerSecond: 2_500,
      window: 500,
      durable: true,
      faults: async (publisher, consumer) => {
        for (let i = 0; i < 2; i += 1) {
          await sleep(1_500);
          const recovered = Promise.all([nextRecovery(publisher, 60_000), nextRecovery(consumer, 60_000)]);
          await withAppStopped(700, () => undefined);
          await recovered;
        }
      },
      drainTimeoutMs: 60_000,
    });
    print('stop_app/start_app x2', report);
    expect(report.publisherRecoveries).toBe(2);
    expect(report.consumerRecoveries).toBe(2);
    expect(report.topologyErrors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.confirmed).toBe(20_000);
    expect(report.lost).toBe(0);
    expect(report.received).toBe(20_000);
  }, 90_000);
});
