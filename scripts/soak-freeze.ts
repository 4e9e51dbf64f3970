/**
 * Soak through frozen links: publish with confirms and consume at a steady rate for SOAK_SECONDS
 * (default 600), both connections through a TCP proxy in front of the broker that freezes (drops
 * every byte both ways, passes on no close) for SOAK_FREEZE_SECONDS (default 10) every
 * SOAK_FREEZE_EVERY seconds (default 120). Heartbeats (SOAK_HEARTBEAT, default 2 s) find the dead
 * link; recovery brings it back once the path heals. The soak counts lost (confirmed, never
 * received) and duplicated messages and samples RSS after a GC every 10 s. Exits 1 when anything
 * confirmed was lost or a publish failed for good.
 *
 *   npm run soak:freeze
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { URLParameters } from '../lib/protocol/index.js';
import { RecoveringConnection } from '../lib/protocol/recovery/index.js';
import { deleteQueue } from '../test/support/broker.js';
import { TcpProxy } from '../test/support/tcp-proxy.js';
import { exitWith, runSoak } from './soak/soak-loop.js';

const freezeEvery = Number(process.env.SOAK_FREEZE_EVERY ?? 120);
const freezeSeconds = Number(process.env.SOAK_FREEZE_SECONDS ?? 10);
const heartbeat = Number(process.env.SOAK_HEARTBEAT ?? 2);

exitWith(async () => {
  const queue = `outage.soak-freeze.${process.pid}.${Date.now().toString(36)}`;
  const proxy = await TcpProxy.start();
  const parameters = new URLParameters(proxy.url()).with({ heartbeat, socketTimeout: 2 });
  const recovery = { initialDelayMs: 100, maxDelayMs: 1_000 };
  const window = 2_000;
  const consumer = await RecoveringConnection.connect(parameters, { recovery });
  const publisher = await RecoveringConnection.connect(parameters, {
    recovery: { ...recovery, publishBuffer: true, outage: { maxMessages: window } },
  });
  let freezes = 0;
  let frozenAt = 0;
  let started = Date.now();
  const detections: number[] = [];
  publisher.on('recovering', (cause) => {
    if (frozenAt > 0) detections.push(Date.now() - frozenAt);
    console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s: publisher lost its link: ${cause.message}`);
  });
  try {
    return await runSoak({
      name: 'soak:freeze',
      seconds: Number(process.env.SOAK_SECONDS ?? 600),
      rate: Number(process.env.SOAK_RATE ?? 500),
      window,
      queue,
      publisher,
      consumer,
      faultEvery: freezeEvery,
      faultText: `a ${freezeSeconds} s frozen link every ${freezeEvery} s, heartbeat ${heartbeat} s`,
      fault: async (k, soakStarted) => {
        started = soakStarted;
        frozenAt = Date.now();
        proxy.freeze();
        freezes += 1;
        console.log(`  freeze ${k} at ${((frozenAt - soakStarted) / 1000).toFixed(0)} s for ${freezeSeconds} s`);
        await sleep(freezeSeconds * 1000);
        proxy.thaw();
        frozenAt = 0;
      },
      drainMs: 60_000,
      summary: () =>
        `freezes ${freezes}, detected after [${detections.join(', ')}] ms, outage peak ${publisher.outage.peakMessages} messages, `,
    });
  } finally {
    if (proxy.frozen) proxy.thaw();
    await publisher.close().catch(() => undefined);
    await consumer.close().catch(() => undefined);
    await proxy.close();
    await deleteQueue(queue).catch(() => undefined);
  }
});
