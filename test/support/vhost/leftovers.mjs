/**
 * The run-wide check of the e2e suites' vhosts (globalSetup / globalTeardown, beside the bystander's).
 * Each suite on a vhost of its own recorded itself in the registry (registry.ts). After the run:
 * - the vhosts of the run's pool (vhost-pool.ts) that no suite took, or whose suite released them and
 *   that wait for a batch, are deleted (one rabbitmqctl call);
 * - a vhost of this run still on the broker after that (one a suite never released) is a leftover:
 *   it is deleted, and the run fails;
 * - a queue or exchange in vhost `/` that was not there before the run and whose name carries the
 *   process id of a worker that ran such a suite (the suites' unique names embed it) leaked out of the
 *   suite's vhost: the run fails, naming it.
 * The teardown prints how many suites ran on a vhost of their own and how many opted out.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { deleteVhosts, poolDirOf, runPrefix } from './vhost-batch.mjs';

function rabbitmqctl(args) {
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', [...args, '-q', ...(args[0].startsWith('list_') ? ['--no-table-headers'] : [])], { timeout: 120_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${`${stderr}${stdout}`.trim() || error.message}`)),
    ),
  );
}

const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/** Queue and exchange names in vhost `/` (an exchange listed as its name). */
async function namesInDefaultVhost() {
  const [queues, exchanges] = await Promise.all([
    rabbitmqctl(['list_queues', '-p', '/', 'name']),
    rabbitmqctl(['list_exchanges', '-p', '/', 'name']),
  ]);
  return { queues: new Set(lines(queues)), exchanges: new Set(lines(exchanges)) };
}

function readRegistry(file) {
  if (file === undefined || !existsSync(file)) return [];
  return lines(readFileSync(file, 'utf8')).map((line) => JSON.parse(line));
}

/** Records what vhost `/` holds before the run. */
export async function recordBeforeRun() {
  globalThis.__defaultVhostBeforeRun = await namesInDefaultVhost();
}

/** Throws when the run left a vhost, or a queue or exchange in `/`, of its suites. */
export async function checkAfterRun() {
  const file = process.env['E2E_VHOST_REGISTRY'];
  const entries = readRegistry(file);
  const tests = new Map(entries.filter((r) => r.tests !== undefined).map((r) => [r.testPath, r.tests]));
  const records = entries.filter((r) => r.path !== undefined);
  const onVhost = records.filter((r) => r.vhost !== undefined);
  const optedOut = records.filter((r) => r.optedOut !== undefined);
  const count = (rs) => rs.reduce((n, r) => n + (tests.get(r.testPath) ?? 0), 0);
  const pool = file === undefined ? undefined : poolDirOf(file);
  if (pool !== undefined && existsSync(pool)) {
    const finished = readdirSync(pool).filter((entry) => /^(free|done|deleting)\./.test(entry));
    await deleteVhosts(finished.map((entry) => entry.slice(entry.indexOf('.') + 1)), rabbitmqctl);
    rmSync(pool, { recursive: true, force: true });
  }
  if (file !== undefined) rmSync(file, { force: true });
  if (records.length === 0) return;
  const problems = [];
  const prefix = runPrefix();
  const leftVhosts = lines(await rabbitmqctl(['list_vhosts', 'name'])).filter((name) => name.startsWith(prefix));
  for (const vhost of leftVhosts) {
    problems.push(`vhost ${vhost} still on the broker (deleted now)`);
    await rabbitmqctl(['delete_vhost', vhost]).catch((error) => problems.push(String(error.message)));
  }
  const before = globalThis.__defaultVhostBeforeRun;
  if (before !== undefined) {
    const now = await namesInDefaultVhost();
    const pids = [...new Set(onVhost.map((r) => r.pid))];
    const ours = (name) => pids.some((pid) => new RegExp(`(^|[^0-9])${pid}([^0-9]|$)`).test(name));
    for (const kind of ['queues', 'exchanges'])
      for (const name of now[kind]) if (!before[kind].has(name) && ours(name)) problems.push(`${kind.slice(0, -1)} "${name}" left in vhost /`);
  }
  console.log(
    `\nvhosts: ${onVhost.length} e2e suite(s) (${count(onVhost)} tests) ran on a vhost of their own, ` +
      `${optedOut.length} (${count(optedOut)} tests) opted out` +
      (problems.length === 0 ? '; none of their vhosts, queues or exchanges is left on the broker' : ''),
  );
  for (const r of optedOut) console.log(`  opted out: ${r.path} (${r.optedOut})`);
  if (problems.length > 0) throw new Error(`the e2e suites left things on the broker: ${problems.join('; ')}`);
}
