/**
 * "Another app" on the broker during `npm test`: one amqplib connection of its own, opened before the
 * first suite (jest globalSetup) and checked after the last (globalTeardown). `npm test` must leave
 * the broker's other users alone, so at the end this connection must never have been closed by the
 * broker: no close or error event, the broker still lists it under the same process, and it still
 * opens a channel. The teardown throws otherwise, which fails the run.
 *
 * Plain JavaScript: jest loads global setup modules outside its module mapper.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import amqplib from 'amqplib';

const run = promisify(execFile);
const KEY = Symbol.for('nestjs-amqp-transport.test.bystander');

/** A run limited to unit tests (`npm run test:unit`, `jest test/unit/...`) needs no broker. */
export function unitOnly(config) {
  const given = config?.testPathPatterns;
  const patterns = Array.isArray(given) ? given : (given?.patterns ?? []);
  return patterns.length > 0 && patterns.every((pattern) => /(^|\/)test\/unit(\/|$)/.test(pattern));
}

/** The broker's pids of the connections whose client properties carry connection_name = `name`. */
async function brokerPids(name) {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_connections', '-q', '--no-table-headers', 'pid', 'client_properties'],
    { timeout: 60_000 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${name}"}`))
    .map((line) => line.split('\t')[0] ?? '');
}

export async function openBystander(url) {
  const name = `bystander-${process.pid}-${Date.now().toString(36)}`;
  const connection = await amqplib.connect(url, { clientProperties: { connection_name: name } });
  const incidents = [];
  connection.on('close', (error) => incidents.push(`close: ${error?.message ?? 'no reason given'}`));
  connection.on('error', (error) => incidents.push(`error: ${error.message}`));
  let pids = [];
  for (let i = 0; i < 50 && pids.length === 0; i += 1) {
    pids = await brokerPids(name);
    if (pids.length === 0) await sleep(100);
  }
  if (pids.length !== 1) throw new Error(`the broker does not list the bystander connection ${name}`);
  globalThis[KEY] = { name, connection, brokerPid: pids[0], openedAt: Date.now(), incidents };
}

/** What went wrong for the bystander (an empty list when nothing did), then closes it. */
export async function checkAndCloseBystander() {
  const bystander = globalThis[KEY];
  if (bystander === undefined)
    return { problems: ['globalSetup opened no bystander connection'], seconds: 0 };
  const problems = [...bystander.incidents];
  const pids = await brokerPids(bystander.name);
  if (pids.length !== 1 || pids[0] !== bystander.brokerPid)
    problems.push(
      `the broker lists [${pids.join(', ')}] for ${bystander.name}, expected only ${bystander.brokerPid}`,
    );
  try {
    const channel = await bystander.connection.createChannel();
    await channel.checkExchange('amq.direct');
    await channel.close();
  } catch (error) {
    problems.push(`the connection no longer works: ${error.message}`);
  }
  await bystander.connection.close().catch(() => undefined);
  return { problems, seconds: Math.round((Date.now() - bystander.openedAt) / 1000) };
}
