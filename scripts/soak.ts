/**
 * Soak: publish + consume at a steady rate through a recovering connection for SOAK_SECONDS (default
 * 600), force-closing a connection every SOAK_FAULT_EVERY seconds (default 60, alternating publisher
 * and consumer). Prints sent, confirmed, received, duplicated, lost (must be 0) and the process RSS at
 * start and end. Exits 1 when anything confirmed was lost or a publish failed for good.
 *
 *   SOAK_SECONDS=180 npm run soak
 */
import { URLParameters } from '../lib/protocol/index.js';
import { RecoveringConnection } from '../lib/protocol/recovery/index.js';
import { closeConnection, uniqueName } from '../test/e2e/recovery/broker-control.js';
import { deleteQueue } from '../test/e2e/recovery/publish-through-faults.js';
import { exitWith, runSoak } from './soak/soak-loop.js';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const faultEvery = Number(process.env.SOAK_FAULT_EVERY ?? 60);
const window = 1000;

exitWith(async () => {
  const queue = uniqueName('soak-q');
  const publisherName = uniqueName('soak-pub');
  const consumerName = uniqueName('soak-con');
  const recovery = { initialDelayMs: 100, maxDelayMs: 2000 };
  let faults = 0;
  const consumer = await RecoveringConnection.connect(new URLParameters(url).with({ connectionName: consumerName }), { recovery });
  const publisher = await RecoveringConnection.connect(new URLParameters(url).with({ connectionName: publisherName }), {
    recovery: { ...recovery, publishBuffer: true, outage: { maxMessages: window } },
  });
  try {
    return await runSoak({
      name: 'soak',
      seconds: Number(process.env.SOAK_SECONDS ?? 600),
      rate: Number(process.env.SOAK_RATE ?? 1000),
      window,
      queue,
      publisher,
      consumer,
      faultEvery,
      faultText: `a forced disconnect every ${faultEvery} s`,
      fault: async (k, started) => {
        const target = k % 2 === 1 ? publisherName : consumerName;
        try {
          await closeConnection(target, `soak fault ${k}`);
          faults += 1;
          const which = k % 2 === 1 ? 'publisher' : 'consumer';
          console.log(`  fault ${k}: closed ${which} connection at ${((Date.now() - started) / 1000).toFixed(0)} s`);
        } catch (error) {
          console.log(`  fault ${k}: could not close ${target}: ${(error as Error).message}`);
        }
      },
      drainMs: 30_000,
      summary: () => `forced disconnects ${faults}, `,
    });
  } finally {
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await deleteQueue(url, queue);
  }
});
