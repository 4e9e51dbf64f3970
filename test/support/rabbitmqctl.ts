/**
 * `rabbitmqctl` for the test support: each call boots an Erlang VM (about a second of CPU).
 * With RABBITMQCTL_LOG=<path>, every call appends one line there (pid, subcommand, milliseconds,
 * outcome, the Jest suite's path), so a suite's count of calls can be measured.
 */
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/** rabbitmqctl exited non-zero, timed out or could not be started. */
export class RabbitmqctlError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(
      `rabbitmqctl ${args.join(' ')} failed (${exitCode ?? 'killed'}): ${stderr.trim() || '(no output)'}`,
    );
    this.name = 'RabbitmqctlError';
  }
}

/** Runs `rabbitmqctl <args>` and resolves with its stdout. */
export function rabbitmqctl(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const timeout = options.timeoutMs ?? 30_000;
  const started = Date.now();
  const log = (outcome: string): void => {
    const path = process.env['RABBITMQCTL_LOG'];
    if (path === undefined || path === '') return;
    // Jest's global expect knows the suite that is running (absent outside Jest).
    const jestExpect = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect;
    const suite = jestExpect?.getState?.().testPath ?? '';
    appendFileSync(path, `${process.pid}\t${args[0] ?? ''}\t${Date.now() - started}\t${outcome}\t${suite}\n`);
  };
  return new Promise((resolve, reject) => {
    execFile(
      'rabbitmqctl',
      [...args],
      { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        log(error === null ? 'ok' : 'failed');
        if (error === null) return resolve(stdout);
        const code = error.killed ? `timed out after ${timeout} ms` : (error.code ?? null);
        reject(new RabbitmqctlError(args, code, `${stderr}${stdout}`));
      },
    );
  });
}
