/**
 * `nestjs-amqp-transport dlq list|peek|replay|purge`: the operator's side of AmqpDeadLetters, over
 * the same operations. The broker is `--url` or AMQP_URL (never printed: it may hold a password).
 * replay and purge ask for confirmation unless `--yes` (or `--dry-run`).
 */
import { Connection } from '../protocol/connection/connection.js';
import { DeadLetterOperations } from '../transport/consume/dead-letters/dead-letter-operations.js';

/** Where the command reads answers and writes its output (a terminal, or a test). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Asks a yes/no question; resolves true for yes. */
  confirm(question: string): Promise<boolean>;
  env: Record<string, string | undefined>;
}

const USAGE = `usage: nestjs-amqp-transport dlq <command> [options]
  list <queue...>                      ready messages in each dead-letter queue
  peek <queue> [--count N]             show the first N letters (left in the queue)
  replay <queue> [--to QUEUE] [--filter HEADER=VALUE ...] [--limit N] [--rate N/s] [--dry-run] [--yes]
                                       move letters back to where they failed (or --to)
  purge <queue> [--yes]                delete every letter of the queue
  --url URL                            the broker (default: AMQP_URL, else amqp://localhost)`;

/** Runs one command; resolves to the process exit code. */
export async function runDlqCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { positional, flags, filters } = parse(argv);
  const [area, command, ...queues] = positional;
  if (area !== 'dlq' || command === undefined || !['list', 'peek', 'replay', 'purge'].includes(command) || queues.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const url = flags.get('url') ?? io.env['AMQP_URL'] ?? 'amqp://localhost';
  const connection = await Connection.connect(url);
  const operations = new DeadLetterOperations(() => connection);
  try {
    const queue = queues[0] as string;
    switch (command) {
      case 'list':
        for (const row of await operations.list(queues)) io.out(`${row.queue}\t${row.messages}`);
        return 0;
      case 'peek':
        for (const letter of await operations.peek(queue, Number(flags.get('count') ?? 10))) {
          io.out(JSON.stringify({ failedQueue: letter.failedQueue, headers: letter.headers, body: letter.body.toString('utf8').slice(0, 500) }, replacer));
        }
        return 0;
      case 'purge': {
        if (!flags.has('yes') && !(await io.confirm(`purge every message of "${queue}"?`))) return abort(io);
        io.out(`purged ${await operations.purge(queue)} message(s) from "${queue}"`);
        return 0;
      }
      default: {
        const dryRun = flags.has('dry-run');
        const to = flags.get('to');
        if (!dryRun && !flags.has('yes') && !(await io.confirm(`replay the letters of "${queue}" to ${to === undefined ? 'their original queues' : `"${to}"`}?`))) return abort(io);
        const limit = flags.get('limit');
        const rate = flags.get('rate');
        const result = await operations.replay(queue, {
          dryRun,
          ...(to === undefined ? {} : { to }),
          ...(limit === undefined ? {} : { limit: Number(limit) }),
          ...(rate === undefined ? {} : { ratePerSecond: Number(rate) }),
          filter: (letter) => filters.every(([header, value]) => String(letter.headers[header]) === value),
          onProgress: (replayed, considered, total) => {
            if (considered % 100 === 0 || considered === total) io.err(`${bar(considered, total)} ${considered}/${total} considered, ${replayed} ${dryRun ? 'would be ' : ''}replayed`);
          },
        });
        const where = to === undefined ? 'their original queues' : `"${to}"`;
        io.out(
          dryRun
            ? `dry run: would replay ${result.replayed} to ${where} and leave ${result.skipped} in "${queue}" (${result.considered} considered); nothing moved`
            : `${result.replayed} replayed, ${result.skipped} left in "${queue}" (${result.considered} considered)`,
        );
        return 0;
      }
    }
  } catch (error) {
    io.err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function parse(argv: readonly string[]): { positional: string[]; flags: Map<string, string>; filters: Array<[string, string]> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  const filters: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (name === 'yes' || name === 'dry-run') {
      flags.set(name, 'true');
      continue;
    }
    const value = argv[(i += 1)] ?? '';
    if (name === 'filter') {
      const at = value.indexOf('=');
      filters.push([value.slice(0, at), value.slice(at + 1)]);
    } else flags.set(name, value);
  }
  return { positional, flags, filters };
}

function abort(io: CliIo): number {
  io.err('aborted: nothing changed');
  return 1;
}

function bar(done: number, total: number): string {
  const width = 20;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}
