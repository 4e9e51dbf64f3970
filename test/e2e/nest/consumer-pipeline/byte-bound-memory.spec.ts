/**
 * Memory bounded in bytes, measured in a process of its own: a consumer with prefetch 50, a 16 MiB
 * byte bound and a slow handler receives 200 x 4 MiB. Its handlers hold at most the bound plus one
 * message, and right after a full collection its RSS grows by less than that plus a stated overhead. Raw peak RSS
 * (bodies released but not yet collected: when V8 collects depends on the machine's load) is printed,
 * not asserted. The publisher keeps the queue under ~30 messages (120 MiB)
 * so the shared broker never holds the 800 MiB at once; the backlog still exceeds the window.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Admin, AMQP_URL, sleep } from '../server/support.js';
import { consumeName } from './support.js';

const MiB = 1024 * 1024;
const BOUND = 16 * MiB;
const BODY = 4 * MiB;
const COUNT = 200;
/** Long enough that deliveries overlap even when a loaded machine reads each 4 MiB body slowly. */
const HANDLER_MS = 100;
/**
 * RSS a consumer may add beyond the bodies its handlers hold, measured right after a full collection:
 * the window's deliveries not yet handed to a handler, the next body being assembled, socket reads,
 * pages the allocator keeps, Nest's heap growing while consuming. Without the window it would hold
 * 50 x 4 MiB.
 */
const OVERHEAD = 64 * MiB;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const queue = consumeName('byte-memory');

interface Result {
  handled: number;
  maxRunning: number;
  maxHeld: number;
  baselineRss: number;
  maxRss: number;
  maxLiveRss: number;
}

describe('maxInFlightBytes in a process of its own', () => {
  let admin: Admin;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    admin = await Admin.open();
    await admin.channel.assertQueue(queue, { durable: false });
  });

  afterAll(async () => {
    child?.kill();
    await admin?.cleanup([queue]);
    await admin?.close();
  });

  it(`${COUNT} x 4 MiB under a 16 MiB bound: held <= bound + one message, RSS growth after a collection <= that + ${OVERHEAD / MiB} MiB`, async () => {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const app = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(here, 'apps', 'byte-bound-consumer.ts'), queue, AMQP_URL, String(BOUND), String(COUNT), String(HANDLER_MS)],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = app;
    // The app's own log lines go to stdout too: read up to its READY and RESULT lines.
    const lines = createInterface({ input: app.stdout! })[Symbol.asyncIterator]();
    const next = async (tag: string): Promise<string> => {
      for (let line = await lines.next(); line.done !== true; line = await lines.next()) {
        if (line.value.startsWith(`${tag} `)) return line.value.slice(tag.length + 1);
      }
      throw new Error(`the consumer process ended before ${tag}`);
    };
    await next('READY');

    const body = Buffer.alloc(BODY, 7);
    for (let sent = 0; sent < COUNT; sent += 10) {
      for (let i = 0; i < 10; i += 1) admin.channel.sendToQueue(queue, body, { contentType: 'application/octet-stream' });
      await admin.channel.waitForConfirms();
      while ((await admin.channel.checkQueue(queue)).messageCount > 20) await sleep(50);
    }

    const result = JSON.parse(await next('RESULT')) as Result;
    const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
    const liveRss = result.maxLiveRss - result.baselineRss;
    console.log(
      `${COUNT} x 4 MiB, bound 16 MiB, prefetch 50: at most ${result.maxRunning} deliveries (${result.maxHeld / MiB} MiB) held at once; ` +
        `RSS after a collection +${mib(liveRss)} MiB at most ` +
        `(RSS ${mib(result.baselineRss)} MiB at start; raw peak +${mib(result.maxRss - result.baselineRss)} MiB)`,
    );
    expect(result.handled).toBe(COUNT);
    expect(result.maxHeld).toBeLessThanOrEqual(BOUND + BODY);
    expect(result.maxRunning).toBeGreaterThan(1);
    expect(liveRss).toBeLessThan(BOUND + BODY + OVERHEAD);
    await new Promise((resolve) => app.once('exit', resolve));
  }, 180_000);
});
