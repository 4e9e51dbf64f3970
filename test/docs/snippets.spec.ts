/**
 * Every docs/snippets/<topic>/main.ts runs as a user would run it (tsx, in a child process, against
  it.concurrent.each(topics)('docs/snippets/%s/main exits 0 within 120 s', async (topic) => {
    const run = await runSnippet(topic);
    if (run.code !== 0) console.error(`docs/snippets/${topic}/${mainOf(topic)} output:\n${run.output}`);
 * The pages must show the files as they are (`npm run docs:check`); the files are type-checked by
 * `npm run typecheck`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqplib from 'amqplib';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rabbitmqctl } from '../support/broker.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const AMQP_URL = process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
/**
 * A snippet's program must exit 0 by then. Alone one takes 3 to 9 s; in CI, five at a time share two
 * cores with npm test's other workers and the steps beside it (CI runs killed some at 30 s, then one
 * at 60 s while three Jest runs and five RabbitMQ nodes shared the cores).
 */
const TIMEOUT_MS = 120_000;
const snippetsDir = join(root, 'docs', 'snippets');

/** A topic's program: main.ts (ES module) or main.cts (CommonJS). */
function mainOf(topic: string): string | undefined {
  return ['main.ts', 'main.cts'].find((file) => existsSync(join(snippetsDir, topic, file)));
}
const topics = existsSync(snippetsDir)
  ? readdirSync(snippetsDir)
      .filter((topic) => mainOf(topic) !== undefined)
      .sort()
  : [];

interface Run {
  code: number | null;
  signal: string | null;
  output: string;
  ms: number;
}

/** The child's environment: AMQP_URL, and none of jest's NODE_OPTIONS (vm modules). */
function snippetEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AMQP_URL };
  delete env['NODE_OPTIONS'];
  return env;
}

function runSnippet(topic: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const main = join('docs', 'snippets', topic, mainOf(topic) ?? 'main.ts');
    const args = main.endsWith('.cts')
      ? ['--require', 'tsx/cjs', '-e', `require(${JSON.stringify(`./${main}`)})`]
      : ['--import', 'tsx', main];
    execFile(
      process.execPath,
      args,
      { cwd: root, env: snippetEnv(), timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: error?.signal ?? null, output: `${stdout}${stderr}`, ms: Date.now() - started });
      },
    );
  });
}

/** The queues and exchanges on the broker whose names start with `prefix` (snippets use vhost '/'). */
async function leftovers(prefix = 'docs.'): Promise<{ queues: string[]; exchanges: string[] }> {
  const names = async (what: string): Promise<string[]> =>
    (await rabbitmqctl([what, 'name', '-q', '--no-table-headers']))
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  return { queues: await names('list_queues'), exchanges: await names('list_exchanges') };
}

async function deleteAll(found: { queues: string[]; exchanges: string[] }): Promise<void> {
  if (found.queues.length === 0 && found.exchanges.length === 0) return;
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of found.queues) await channel.deleteQueue(queue);
    for (const exchange of found.exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

describe('docs snippets run', () => {
  beforeAll(async () => {
    await deleteAll(await leftovers());
  });

  afterAll(async () => {
    await deleteAll(await leftovers());
  });

  it('there are snippets to run', () => {
    expect(topics.length).toBeGreaterThan(0);
  });

  it('the pages show the snippet files as they are (npm run docs:check)', async () => {
    const result = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, [join(root, 'scripts', 'docs-snippets.mjs'), '--check'], { cwd: root }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), out: `${stdout}${stderr}` }),
      ),
    );
    expect(result).toEqual({ code: 0, out: expect.stringContaining('all blocks up to date, none orphaned') });
  });

  // Three at a time (jest's maxConcurrency): each snippet uses names of its own topic only.
  it.concurrent.each(topics)('docs/snippets/%s/main exits 0 within 120 s', async (topic) => {
    const run = await runSnippet(topic);
    if (run.code !== 0) console.error(`docs/snippets/${topic}/${mainOf(topic)} output:\n${run.output}`);
    expect({ topic, code: run.code, signal: run.signal }).toEqual({ topic, code: 0, signal: null });
  }, TIMEOUT_MS + 15_000);

  // After every snippet (jest runs the tests in order, the concurrent ones started early): one
  // listing for all of them, since each rabbitmqctl call boots an Erlang VM. A leftover names its
  // snippet by its `docs.<topic>.` prefix.
  it('no snippet leaves a queue or an exchange on the broker', async () => {
    const left = await leftovers();
    await deleteAll(left);
    const byTopic = (names: string[]): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      for (const name of names) (out[name.split('.')[1] ?? '?'] ??= []).push(name);
      return out;
    };
    expect({ queues: byTopic(left.queues), exchanges: byTopic(left.exchanges) }).toEqual({ queues: {}, exchanges: {} });
  });
});
