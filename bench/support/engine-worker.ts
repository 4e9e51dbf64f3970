/**
 * One benchmark run in its own process (forked by bench/engine.bench.ts): runs one task with one
 * peer and sends back wall time and this process's CPU time over the timed region. By hand, e.g.
 *   node --cpu-prof --import tsx bench/support/engine-worker.ts engine amqp://guest:guest@127.0.0.1:5672 \
 *     '{"kind":"publish","queue":"q","count":20000,"size":65536,"prefetch":1000,"ackEvery":100,"window":1000}'
 */
import { PEERS, type PeerName, type Task } from './engine-peers.js';

export interface WorkerResult {
  ms: number;
  cpuMs: number;
}

const [peer, url, taskJson] = process.argv.slice(2) as [PeerName, string, string];
const task = JSON.parse(taskJson) as Task;
let t0 = 0n;
let cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
let result: WorkerResult | undefined;

try {
  await PEERS[peer](url, task, {
    start() {
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
    },
    stop() {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      result = { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
    },
  });
  if (process.send === undefined)
    console.log(JSON.stringify(result)); // run by hand (profiling)
  else process.send({ ok: true, result });
} catch (error) {
  process.send?.({
    ok: false,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
}
process.disconnect?.();
