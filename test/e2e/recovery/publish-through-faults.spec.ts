/**
 * Nothing confirmed is lost: 20,000 numbered confirm-mode publishes through forced disconnects
 * of the publisher's own connection (`rabbitmqctl close_connection`). The broker's app being stopped
 * and started is in app-stop.faults.ts (`npm run test:faults`).
 */
import { describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeConnection, uniqueName } from './broker-control.js';
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
  }, 180_000);
});
