/**
 * Nothing confirmed is lost: 20,000 numbered confirm-mode publishes through forced disconnects
 * (`rabbitmqctl close_connection`) and through the broker's app being stopped and started.
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeConnection, uniqueName, withAppStopped } from './broker-control.js';
import { nextRecovery, publishThroughFaults, type FaultRunReport } from './publish-through-faults.js';

function print(title: string, report: FaultRunReport): void {
  const { failures, ...figures } = report;
  console.log(
    `${title}: ${JSON.stringify(figures)}${failures.length > 0 ? `\nfailures: ${failures.join('; ')}` : ''}`,
  );
}

describe('confirmed publishes survive faults', () => {
  it('20,000 confirmed messages through 5 forced closes of the publisher connection: none lost', async () => {
    const publisherName = uniqueName('rec-pub');
    let closes = 0;
    const report = await publishThroughFaults({
      queue: uniqueName('rec-close-q'),
      publisherName,
      consumerName: uniqueName('rec-con'),
      total: 20_000,
      ratePerSecond: 2_500,
      window: 500,
      durable: false,
      faults: async (publisher) => {
        for (let i = 0; i < 5; i += 1) {
          await sleep(1_000);
          const recovered = nextRecovery(publisher);
          closes += await closeConnection(publisherName, `fault ${i + 1} of 5`);
          await recovered;
        }
      },
    });
    print('close_connection x5', report);
    expect(closes).toBe(5);
    expect(report.publisherRecoveries).toBe(5);
    expect(report.topologyErrors).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.confirmed).toBe(20_000);
    expect(report.lost).toBe(0);
    expect(report.received).toBe(20_000);
  }, 60_000);

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
